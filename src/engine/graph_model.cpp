// Plans a TF.js graph once at load (order, constant folding, kernels with prepared weights)
// and then executes it per frame with no parsing and few allocations.
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "model_def.h"
#include "op_registry.h"
#include "posecast/engine.h"
#include "xnn.h"

namespace posecast {

using engine::KernelContext;
using engine::OpRegistry;

namespace {

std::string what_of(const std::exception& e) {
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) return ce->what_without_backtrace();
  return e.what();
}

at::Tensor to_torch(const HostTensor& t) {
  if (t.dtype == DType::kInt32)
    return at::from_blob(const_cast<int32_t*>(t.i32.data()), t.shape, at::kInt);
  return at::from_blob(const_cast<float*>(t.f32.data()), t.shape, at::kFloat);
}

HostTensor to_host(const at::Tensor& value) {
  HostTensor out;
  at::Tensor t = value;
  if (t.scalar_type() == at::kFloat || t.is_floating_point()) {
    t = t.to(at::kFloat).contiguous();
    out.dtype = DType::kFloat32;
    out.f32.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  } else {
    t = t.to(at::kInt).contiguous();
    out.dtype = DType::kInt32;
    out.i32.assign(t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + t.numel());
  }
  out.shape.assign(t.sizes().begin(), t.sizes().end());
  return out;
}

}  // namespace

struct GraphModel::Impl {
  struct Step {
    std::string name, op;
    engine::Kernel kernel;
    std::vector<int> inputs;      // slots; -1 for a constant the kernel absorbed (never read)
    std::vector<int> outputs;     // slots, -1 for outputs nobody reads
    std::vector<int> free_after;  // slots whose last reader is this step
  };

  std::filesystem::path path;
  std::vector<TensorSpec> inputs, outputs;
  std::vector<at::Tensor> constants;  // by slot; undefined for values computed per run
  std::vector<int> input_slots, output_slots;
  std::vector<Step> steps;
  int threads = 1;
  // POSECAST_PROFILE=1: per-op time, printed to stderr when the model is destroyed.
  bool profile = false;
  mutable std::mutex run_mutex;
  mutable std::map<std::string, std::pair<double, int64_t>> op_ms;
  ~Impl();

  Result<std::vector<HostTensor>> run(const std::vector<HostTensor>& in) const;
};

namespace {

// Turns a parsed model into GraphModel::Impl's plan; load() takes the steps in order. Errors name
// the model file and the node.
class Planner {
 public:
  Planner(engine::ModelDef& def, GraphModel::Impl& impl)
      : def_(def), impl_(impl), where_(impl.path.string()) {}

  Status index_nodes();
  Status choose_inputs();
  Status order_nodes();
  Status assign_slots();
  Status plan_nodes();
  void drop_absorbed_constants();
  void free_after_last_use();

 private:
  int slot(size_t node, int idx);
  std::vector<int> slots_written_by(size_t node) const;
  Status plan_const(const engine::NodeDef& nd, const std::vector<int>& out_slots);
  Status plan_node(size_t node);

  engine::ModelDef& def_;
  GraphModel::Impl& impl_;
  const std::string where_;
  std::unordered_map<std::string, size_t> by_name_;
  std::vector<size_t> order_;
  std::map<std::pair<size_t, int>, int> slot_of_;  // (node, output index) -> slot
};

Status Planner::index_nodes() {
  for (size_t i = 0; i < def_.nodes.size(); ++i)
    if (!by_name_.emplace(def_.nodes[i].name, i).second)
      return Error(where_ + ": node '" + def_.nodes[i].name + "' is defined twice");
  return {};
}

// Inputs: the signature's, else every Placeholder.
Status Planner::choose_inputs() {
  if (def_.inputs.empty())
    for (const auto& n : def_.nodes)
      if (n.op == "Placeholder") {
        std::optional<DType> dtype;
        try {  // the accessors throw on a malformed attribute; nothing else here catches
          dtype = n.attrs.type("dtype");
        } catch (const std::exception& e) {
          return Error(where_ + ": node '" + n.name + "' (op Placeholder): " + e.what());
        }
        TensorSpec spec{n.name + ":0", dtype.value_or(DType::kFloat32), {}};
        def_.inputs.push_back(spec);
      }
  if (def_.outputs.empty()) return Error(where_ + ": the model has no signature outputs");
  impl_.inputs = def_.inputs;
  impl_.outputs = def_.outputs;
  return {};
}

// Topological order of the nodes the outputs need (iterative DFS; reports cycles and dangling
// inputs).
Status Planner::order_nodes() {
  std::vector<int> state(def_.nodes.size(), 0);  // 0 new, 1 on stack, 2 done
  for (const auto& out : def_.outputs) {
    auto [root_name, root_idx] = engine::split_tensor_name(out.name);
    auto it = by_name_.find(root_name);
    if (it == by_name_.end()) return Error(where_ + ": output '" + out.name + "' names no node");
    std::vector<std::pair<size_t, size_t>> stack{{it->second, 0}};
    if (state[it->second] == 2) continue;
    state[it->second] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& nd = def_.nodes[node];
      if (next < nd.inputs.size()) {
        const std::string& ref = nd.inputs[next++];
        auto dep = by_name_.find(engine::split_tensor_name(ref).first);
        if (dep == by_name_.end())
          return Error(where_ + ": node '" + nd.name + "' (op " + nd.op + ") reads '" + ref +
                       "', which no node defines");
        if (state[dep->second] == 1)
          return Error(where_ + ": the graph has a cycle through node '" + nd.name + "'");
        if (state[dep->second] == 0) {
          state[dep->second] = 1;
          stack.push_back({dep->second, 0});
        }
      } else {
        state[node] = 2;
        order_.push_back(node);
        stack.pop_back();
      }
    }
  }
  return {};
}

int Planner::slot(size_t node, int idx) {
  auto [it, fresh] = slot_of_.try_emplace({node, idx}, static_cast<int>(slot_of_.size()));
  return it->second;
}

// Slots: one per (node, output index) that somebody reads, and the model's inputs.
Status Planner::assign_slots() {
  for (size_t node : order_)
    for (const auto& ref : def_.nodes[node].inputs) {
      auto [n, i] = engine::split_tensor_name(ref);
      slot(by_name_.at(n), i);
    }
  for (const auto& out : def_.outputs) {
    auto [n, i] = engine::split_tensor_name(out.name);
    impl_.output_slots.push_back(slot(by_name_.at(n), i));
  }
  impl_.constants.resize(slot_of_.size());
  for (const auto& in : def_.inputs) {
    auto [n, i] = engine::split_tensor_name(in.name);
    auto it = by_name_.find(n);
    if (it == by_name_.end() || def_.nodes[it->second].op != "Placeholder")
      return Error(where_ + ": input '" + in.name + "' is not a Placeholder node");
    int s = slot(it->second, i);
    if (static_cast<size_t>(s) >= impl_.constants.size()) impl_.constants.resize(s + 1);
    impl_.input_slots.push_back(s);
  }
  return {};
}

// The node's slot per output index; -1 for outputs nobody reads.
std::vector<int> Planner::slots_written_by(size_t node) const {
  std::vector<int> outs;
  for (const auto& [key, s] : slot_of_)
    if (key.first == node) {
      if (outs.size() <= static_cast<size_t>(key.second)) outs.resize(key.second + 1, -1);
      outs[key.second] = s;
    }
  return outs;
}

Status Planner::plan_nodes() {
  for (size_t node : order_)
    if (Status s = plan_node(node); !s.ok()) return s;
  return {};
}

Status Planner::plan_const(const engine::NodeDef& nd, const std::vector<int>& out_slots) {
  auto w = def_.weights.find(nd.name);
  if (w == def_.weights.end())
    return Error(where_ + ": Const node '" + nd.name + "' has no entry in the weightsManifest");
  if (!out_slots.empty() && out_slots[0] >= 0)
    impl_.constants[out_slots[0]] = to_torch(w->second).clone();
  return {};
}

// A kernel for the node, prepared with its constant inputs; a node whose inputs are all constant
// is run once now (folded) and its results kept as constants instead.
Status Planner::plan_node(size_t node) {
  const auto& nd = def_.nodes[node];
  std::vector<int> out_slots = slots_written_by(node);
  if (nd.op == "Placeholder") return {};
  if (nd.op == "Const") return plan_const(nd, out_slots);
  const std::string node_where = where_ + ": node '" + nd.name + "' (op " + nd.op + ")";
  engine::KernelFactory factory = OpRegistry::instance().find(nd.op);
  if (!factory)
    return Error(where_ + ": node '" + nd.name + "' uses op '" + nd.op +
                 "', which posecast's engine does not support");

  GraphModel::Impl::Step step{nd.name, nd.op, {}, {}, std::move(out_slots), {}};
  std::vector<std::optional<at::Tensor>> const_inputs;
  bool all_constant = !nd.inputs.empty();
  for (const auto& ref : nd.inputs) {
    auto [n, i] = engine::split_tensor_name(ref);
    int s = slot_of_.at({by_name_.at(n), i});
    step.inputs.push_back(s);
    const at::Tensor& c = impl_.constants[s];
    if (c.defined())
      const_inputs.emplace_back(c);
    else {
      const_inputs.emplace_back(std::nullopt);
      all_constant = false;
    }
  }
  try {
    KernelContext ctx(nd, std::move(const_inputs));
    step.kernel = factory(ctx);
    if (all_constant) {
      engine::Tensors in;
      for (int s : step.inputs) in.push_back(impl_.constants[s]);
      engine::Tensors out = step.kernel(in);
      for (size_t k = 0; k < step.outputs.size(); ++k) {
        if (step.outputs[k] < 0) continue;
        if (k >= out.size())
          return Error(node_where + ": produced " + std::to_string(out.size()) +
                       " outputs, output " + std::to_string(k) + " is read");
        impl_.constants[step.outputs[k]] = out[k].contiguous();
      }
      return {};
    }
    for (size_t k = 0; k < step.inputs.size(); ++k)
      if (ctx.absorbed(k)) step.inputs[k] = -1;
  } catch (const std::exception& e) {
    return Error(node_where + ": " + what_of(e));
  }
  impl_.steps.push_back(std::move(step));
  return {};
}

// Weights that every reader absorbed (e.g. packed by XNNPACK) are not kept twice: the original
// goes, unless a kernel holds on to it itself.
void Planner::drop_absorbed_constants() {
  std::vector<bool> read(impl_.constants.size(), false);
  for (const auto& step : impl_.steps)
    for (int s : step.inputs)
      if (s >= 0) read[s] = true;
  for (int s : impl_.output_slots) read[s] = true;
  for (size_t s = 0; s < read.size(); ++s)
    if (!read[s]) impl_.constants[s].reset();
}

// Liveness: free each computed value after its last reader, except the model's outputs.
void Planner::free_after_last_use() {
  std::vector<int> last_use(impl_.constants.size(), -1);
  for (size_t k = 0; k < impl_.steps.size(); ++k)
    for (int s : impl_.steps[k].inputs)
      if (s >= 0) last_use[s] = static_cast<int>(k);
  for (int s : impl_.output_slots) last_use[s] = -1;
  for (size_t s = 0; s < last_use.size(); ++s)
    if (last_use[s] >= 0 && !impl_.constants[s].defined())
      impl_.steps[last_use[s]].free_after.push_back(static_cast<int>(s));
}

}  // namespace

Result<GraphModel> GraphModel::load(const std::filesystem::path& model_json,
                                    const EngineOptions& options) {
  auto def = engine::load_model_def(model_json);
  if (!def) return def.error();

  auto impl = std::make_unique<Impl>();
  impl->path = model_json;
  // More threads than cores spin against each other (XNNPACK's pool waits by spinning): 4 on
  // 2 cores took 590 ms for Lightning against 11 ms on 1.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  impl->threads = std::clamp(options.threads, 1, cores);
  if (const char* p = std::getenv("POSECAST_PROFILE"); p && *p == '1') impl->profile = true;
  // One pool does the parallel work: XNNPACK's, which runs the convolutions (nearly all of the
  // time). LibTorch's own OpenMP threads stay at 1: two pools on the same cores, each spinning
  // while the other works, made 2 threads 5x slower than 1 (element-wise ops 6 ms instead of
  // 0.01 ms).
  at::set_num_threads(1);
  engine::xnn::set_threads(impl->threads);

  Planner planner(def.value(), *impl);
  if (Status s = planner.index_nodes(); !s.ok()) return s.error();
  if (Status s = planner.choose_inputs(); !s.ok()) return s.error();
  if (Status s = planner.order_nodes(); !s.ok()) return s.error();
  if (Status s = planner.assign_slots(); !s.ok()) return s.error();
  c10::InferenceMode guard;  // constant folding runs kernels
  if (Status s = planner.plan_nodes(); !s.ok()) return s.error();
  planner.drop_absorbed_constants();
  planner.free_after_last_use();
  return GraphModel(std::move(impl));
}

Result<std::vector<HostTensor>> GraphModel::Impl::run(const std::vector<HostTensor>& in) const {
  const std::string where = path.string();
  if (in.size() != inputs.size())
    return Error(where + ": expects " + std::to_string(inputs.size()) + " input(s), got " +
                 std::to_string(in.size()));
  std::vector<at::Tensor> values = constants;
  for (size_t i = 0; i < in.size(); ++i) {
    const TensorSpec& spec = inputs[i];
    const HostTensor& t = in[i];
    bool shape_ok = t.shape.size() == spec.shape.size() || spec.shape.empty();
    for (size_t d = 0; shape_ok && d < spec.shape.size(); ++d)
      shape_ok = spec.shape[d] < 0 || spec.shape[d] == t.shape[d];
    size_t have = t.dtype == DType::kInt32 ? t.i32.size() : t.f32.size();
    if (!shape_ok || t.dtype != spec.dtype || static_cast<int64_t>(have) != t.numel())
      return Error(where + ": input '" + spec.name + "' wants " + dtype_name(spec.dtype) + " " +
                   shape_string(spec.shape) + ", got " + dtype_name(t.dtype) + " " +
                   shape_string(t.shape) + " with " + std::to_string(have) + " values");
    values[input_slots[i]] = to_torch(t);
  }
  c10::InferenceMode guard;
  std::lock_guard<std::mutex> lock(run_mutex);  // kernels keep per-run state (XNNPACK set-up)
  if (at::get_num_threads() != 1) at::set_num_threads(1);
  engine::xnn::set_threads(threads);
  engine::Tensors args;
  for (const Step& step : steps) {
    try {
      args.clear();
      for (int s : step.inputs) args.push_back(s >= 0 ? values[s] : at::Tensor());
      auto t0 =
          profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      engine::Tensors out = step.kernel(args);
      if (profile) {
        auto& [ms, n] = op_ms[step.op];
        ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
        ++n;
      }
      for (size_t k = 0; k < step.outputs.size(); ++k) {
        if (step.outputs[k] < 0) continue;
        if (k >= out.size())
          throw engine::OpError("output " + std::to_string(k) + " is read but not produced");
        values[step.outputs[k]] = std::move(out[k]);
      }
    } catch (const std::exception& e) {
      return Error(where + ": node '" + step.name + "' (op " + step.op + "): " + what_of(e));
    }
    for (int s : step.free_after) values[s].reset();
  }
  std::vector<HostTensor> result;
  for (int s : output_slots) result.push_back(to_host(values[s]));
  return result;
}

GraphModel::Impl::~Impl() {
  if (!profile || op_ms.empty()) return;
  std::fprintf(stderr, "profile of %s (total ms over all runs, calls):\n", path.string().c_str());
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> slowest(op_ms.begin(),
                                                                          op_ms.end());
  std::sort(slowest.begin(), slowest.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  for (const auto& [op, v] : slowest)
    std::fprintf(stderr, "  %-28s %10.2f ms %8lld\n", op.c_str(), v.first,
                 static_cast<long long>(v.second));
}

GraphModel::GraphModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GraphModel::GraphModel(GraphModel&&) noexcept = default;
GraphModel& GraphModel::operator=(GraphModel&&) noexcept = default;
GraphModel::~GraphModel() = default;

Result<std::vector<HostTensor>> GraphModel::run(const std::vector<HostTensor>& inputs) const {
  return impl_->run(inputs);
}
const std::vector<TensorSpec>& GraphModel::inputs() const { return impl_->inputs; }
const std::vector<TensorSpec>& GraphModel::outputs() const { return impl_->outputs; }
const std::filesystem::path& GraphModel::path() const { return impl_->path; }
size_t GraphModel::planned_nodes() const { return impl_->steps.size(); }

}  // namespace posecast
