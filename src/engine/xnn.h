// XNNPACK, the kernel library inside Debian's LibTorch (libtorch_cpu links libXNNPACK.so.0),
// called directly for the NHWC convolutions that dominate a frame: it takes TF's layout, TF's
// SAME padding and fused Relu/Relu6 clamps natively, so no layout copy or padding copy is made.
#pragma once

#include <ATen/ATen.h>
#include <xnnpack.h>

#include <memory>

namespace posecast::engine::xnn {

// Initialises XNNPACK once; false when the CPU is unsupported (callers fall back to LibTorch).
bool available();

// The process-wide thread pool (nullptr for one thread). LibTorch's thread count is global too.
pthreadpool_t threadpool();
void set_threads(int threads);

using Operator = std::shared_ptr<xnn_operator>;
Operator adopt(xnn_operator_t op);

// A float tensor of `shape` whose storage has XNN_EXTRA_BYTES of slack after it:
// XNNPACK's kernels may read (never write) that far past their input.
at::Tensor empty_padded(at::IntArrayRef shape);
// `x` itself when it is contiguous float with that slack, else a padded copy.
at::Tensor padded_input(const at::Tensor& x);

}  // namespace posecast::engine::xnn
