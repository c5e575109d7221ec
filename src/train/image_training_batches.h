// Training batches for `posecast train image`: pictures decoded on the loading threads, augmented
// as SageMaker's augmentation_type does it, and stacked into input tensors. Private to src/train.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "image_training_data.h"
#include "posecast/image_classifier.h"

namespace posecast::image_training {

struct Batch {
  torch::Tensor input, target;
  std::vector<std::string> errors;  // samples that could not be decoded (left out)
};

// Batches of one pass over `set`, the next one prepared on the loading threads while the current
// one trains.
class BatchStream {
 public:
  BatchStream(const DataSet& set, std::vector<size_t> order, size_t batch_size,
              const ImageModelInfo& info, std::string augmentation, bool train, uint64_t seed,
              int epoch, int workers)
      : set_(set),
        order_(std::move(order)),
        batch_size_(batch_size),
        info_(info),
        augmentation_(std::move(augmentation)),
        train_(train),
        seed_(seed),
        epoch_(epoch),
        workers_(workers) {
    launch();
  }
  ~BatchStream() {
    if (next_.valid()) next_.wait();
  }
  size_t batches() const { return (order_.size() + batch_size_ - 1) / batch_size_; }
  std::optional<Batch> next();  // nullopt after the last batch

 private:
  void launch();

  const DataSet& set_;
  std::vector<size_t> order_;
  size_t batch_size_;
  const ImageModelInfo& info_;
  std::string augmentation_;
  bool train_;
  uint64_t seed_;
  int epoch_, workers_;
  size_t pos_ = 0;
  std::future<Batch> next_;
};

}  // namespace posecast::image_training
