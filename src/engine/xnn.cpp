#include "xnn.h"

#include <pthreadpool.h>

#include <mutex>

namespace posecast::engine::xnn {

namespace {
std::mutex pool_mutex;
pthreadpool_t pool = nullptr;
int pool_threads = 1;
}  // namespace

bool available() {
  static const bool ok = xnn_initialize(nullptr) == xnn_status_success;
  return ok;
}

pthreadpool_t threadpool() { return pool; }

void set_threads(int threads) {
  std::lock_guard<std::mutex> lock(pool_mutex);
  if (threads == pool_threads) return;
  if (pool) pthreadpool_destroy(pool);
  pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
  pool_threads = threads;
}

Operator adopt(xnn_operator_t op) {
  return Operator(op, [](xnn_operator_t o) {
    if (o) xnn_delete_operator(o);
  });
}

at::Tensor empty_padded(at::IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  at::Tensor storage =
      at::empty({n + XNN_EXTRA_BYTES / static_cast<int64_t>(sizeof(float))}, at::kFloat);
  return storage.narrow(0, 0, n).view(shape);
}

at::Tensor padded_input(const at::Tensor& x) {
  if (x.scalar_type() == at::kFloat && x.is_contiguous()) {
    const size_t used = (x.storage_offset() + x.numel()) * sizeof(float);
    if (x.storage().nbytes() >= used + XNN_EXTRA_BYTES) return x;
  }
  at::Tensor copy = empty_padded(x.sizes());
  copy.copy_(x);
  return copy;
}

}  // namespace posecast::engine::xnn
