// Checkpoints of `posecast train image` (image_checkpoint.h).
#include "image_checkpoint.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace posecast::image_training {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path net_file(const fs::path& dir, int epoch) {
  char name[40];
  std::snprintf(name, sizeof name, "epoch-%04d.net.pt", epoch);
  return dir / name;
}
fs::path optimizer_file(const fs::path& dir, int epoch) {
  char name[40];
  std::snprintf(name, sizeof name, "epoch-%04d.optimizer.pt", epoch);
  return dir / name;
}

}  // namespace

Status save_checkpoint(const fs::path& dir, int epoch, resnet::ResNet& net,
                       torch::optim::Optimizer& optimizer, const json& meta) {
  try {
    torch::save(net, net_file(dir, epoch).string());
    torch::save(optimizer, optimizer_file(dir, epoch).string());
  } catch (const c10::Error& e) {
    return Error("cannot write a checkpoint in " + dir.string() + ": " +
                 e.what_without_backtrace());
  }
  json latest = meta;
  latest["epoch"] = epoch;
  latest["net"] = net_file(dir, epoch).filename().string();
  latest["optimizer"] = optimizer_file(dir, epoch).filename().string();
  {
    std::ofstream out(dir / "latest.json.tmp", std::ios::trunc);
    out << latest.dump(2) << "\n";
    out.flush();
    if (!out) return Error("cannot write " + (dir / "latest.json.tmp").string());
  }
  std::error_code ec;
  fs::rename(dir / "latest.json.tmp", dir / "latest.json", ec);
  if (ec) return Error("cannot write " + (dir / "latest.json").string() + ": " + ec.message());
  for (int old = epoch - 2; old >= 1 && fs::exists(net_file(dir, old), ec); --old) {
    fs::remove(net_file(dir, old), ec);
    fs::remove(optimizer_file(dir, old), ec);
  }
  return {};
}

Result<Checkpoint> load_checkpoint(const fs::path& dir, resnet::ResNet& net,
                                   torch::optim::Optimizer& optimizer, const json& expected) {
  std::ifstream in(dir / "latest.json");
  if (!in)
    return Error("--resume: no checkpoint in " + dir.string() +
                 " (the job never finished an epoch); start it again without --resume");
  json latest = json::parse(in, nullptr, false);
  if (!latest.is_object() || !latest.contains("epoch"))
    return Error((dir / "latest.json").string() + ": damaged");
  for (const char* key : {"labels", "num_layers", "image_shape"})
    if (latest.value(key, json()) != expected.value(key, json()))
      return Error("--resume: the checkpoint in " + dir.string() + " was made with other " + key +
                   " (" + latest.value(key, json()).dump() + ", now " +
                   expected.value(key, json()).dump() + ")");
  try {
    torch::load(net, (dir / latest["net"].get<std::string>()).string());
    torch::load(optimizer, (dir / latest["optimizer"].get<std::string>()).string());
  } catch (const std::exception& e) {
    return Error("--resume: cannot read the checkpoint in " + dir.string() + ": " + e.what());
  }
  return Checkpoint{latest["epoch"].get<int>(), latest};
}

// ---- the job ---------------------------------------------------------------------------------

}  // namespace posecast::image_training
