// Chain: the whole signal chain, as the plugin runs it, for offline renders from Python.
#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "tonematch/engine/chain.h"
#include "tonematch/engine/loader.h"

namespace py = pybind11;
using tonematch::engine::Chain;
using tonematch::engine::ChainParams;
using tonematch::engine::ImpulseResponse;
using tonematch::engine::LoadError;
using tonematch::engine::LoadOptions;

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

class PyChain {
 public:
  PyChain(double sampleRate, int maxBlock) {
    try {
      chain_.prepare(sampleRate, maxBlock);
    } catch (const std::invalid_argument& e) {
      throw py::value_error(e.what());
    }
  }

  void setPedal(const py::object& path, double slim) { setModel(path, slim, true); }
  void setAmp(const py::object& path, double slim) { setModel(path, slim, false); }

  void setIr(const std::optional<FloatArray>& samples, double sampleRate, const std::string& name) {
    std::unique_ptr<const ImpulseResponse> ir;
    if (samples) {
      if (samples->ndim() != 1)
        throw py::value_error("set_ir() takes a 1-D array of samples, got " +
                              std::to_string(samples->ndim()) + "-D");
      try {
        py::gil_scoped_release release;
        ir = ImpulseResponse::make(samples->data(), static_cast<std::size_t>(samples->shape(0)),
                                   sampleRate, chain_.sampleRate(), chain_.maxBlock(), name);
      } catch (const std::invalid_argument& e) {
        throw py::value_error(e.what());
      }
    }
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    chain_.setImpulseResponse(std::move(ir));
    applyStaged();
  }

  // Keyword names come from the parameter table, so a new parameter needs no binding change.
  void setParams(const std::optional<std::vector<float>>& matchEqDb, bool immediate,
                 const py::kwargs& values) {
    if (matchEqDb && matchEqDb->size() != static_cast<std::size_t>(Chain::kMatchEqBands))
      throw py::value_error("match_eq_db must have " + std::to_string(Chain::kMatchEqBands) +
                            " values, got " + std::to_string(matchEqDb->size()));
    ChainParams p = chain_.params();  // keys not given keep their values
    for (const auto& [key, value] : values) {
      const std::string name = py::str(key);
      const std::size_t i = tonematch::engine::paramIndex(name);
      if (i == tonematch::engine::kParamCount)
        throw py::type_error("set_params() got an unexpected keyword argument '" + name + "'");
      if (value.is_none()) continue;
      try {
        p.*tonematch::engine::kParams[i].field = value.cast<float>();
      } catch (const py::cast_error&) {
        throw py::type_error("set_params(): " + name + " must be a number");
      }
    }
    if (matchEqDb) std::copy(matchEqDb->begin(), matchEqDb->end(), p.matchEqDb.begin());
    if (immediate)
      chain_.setParamsImmediate(p);
    else
      chain_.setParams(p);
  }

  py::dict params() const {
    const ChainParams p = chain_.params();
    py::dict d;
    for (const auto& spec : tonematch::engine::kParams) d[spec.jsonKey] = p.*spec.field;
    d["match_eq_db"] = std::vector<float>(p.matchEqDb.begin(), p.matchEqDb.end());
    return d;
  }

  py::array_t<float> process(const FloatArray& x, int block) {
    if (x.ndim() != 1)
      throw py::value_error("process() takes a 1-D array of samples, got " +
                            std::to_string(x.ndim()) + "-D");
    if (block < 0) throw py::value_error("block must be >= 0 (0 = max_block)");
    const auto n = static_cast<py::ssize_t>(x.shape(0));
    py::array_t<float> y({static_cast<py::ssize_t>(2), n});
    const float* in = x.data();
    float* left = y.mutable_data();
    float* right = left + n;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      const py::ssize_t step = block > 0 ? std::min(block, chain_.maxBlock()) : chain_.maxBlock();
      for (py::ssize_t i = 0; i < n; i += step) {
        const int len = static_cast<int>(std::min(step, n - i));
        chain_.process(in + i, left + i, right + i, len);
      }
      chain_.collectGarbage();
    }
    return y;
  }

  void reset() {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    chain_.reset();
  }

  const tonematch::engine::Chain& chain() const { return chain_; }

 private:
  void setModel(const py::object& path, double slim, bool pedal) {
    if (!(slim >= 0.0 && slim <= 1.0)) throw py::value_error("slim must be between 0 and 1");
    std::unique_ptr<tonematch::engine::Model> model;
    std::string name;
    if (!path.is_none()) {
      const auto os = py::module_::import("os");
      const std::string file = py::str(os.attr("fspath")(path)).cast<std::string>();
      name = py::str(py::module_::import("pathlib").attr("Path")(file).attr("stem")).cast<std::string>();
      LoadOptions options;
      options.slim = slim;
      try {
        py::gil_scoped_release release;
        model = tonematch::engine::loadModel(file, options);
      } catch (const LoadError& e) {
        throw py::value_error(e.what());
      }
    }
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    if (pedal)
      chain_.setPedal(std::move(model), name);
    else
      chain_.setAmp(std::move(model), name);
    applyStaged();
  }

  // No audio thread here: take the staged object now, so names and renders see it at once.
  void applyStaged() {
    chain_.process(nullptr, nullptr, nullptr, 0);
    chain_.collectGarbage();
  }

  tonematch::engine::Chain chain_;
  std::mutex mutex_;  // one Python thread at a time per chain; never on a real-time path
};

// The IR exactly as Chain::set_ir would convolve it at hostRate (resampled by the engine), so
// the matcher scores cabinets with the chain's own preparation rather than a Python copy of it.
py::array_t<float> prepareIr(const FloatArray& samples, double sampleRate, double hostRate,
                             const std::string& name) {
  if (samples.ndim() != 1)
    throw py::value_error("prepare_ir() takes a 1-D array of samples, got " +
                          std::to_string(samples.ndim()) + "-D");
  std::unique_ptr<const ImpulseResponse> ir;
  try {
    py::gil_scoped_release release;
    // The block size only shapes the partitioning, not the taps.
    ir = ImpulseResponse::make(samples.data(), static_cast<std::size_t>(samples.shape(0)),
                               sampleRate, hostRate, 128, name);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  const std::vector<float>& taps = ir->taps();
  py::array_t<float> out(static_cast<py::ssize_t>(taps.size()));
  std::copy(taps.begin(), taps.end(), out.mutable_data());
  return out;
}

// The chain's output gain and limiter on a render made at 0 dB with the limiter off.
py::array_t<float> applyOutputStages(const FloatArray& stereo, double sampleRate, double outputDb,
                                     double ceilingDb) {
  if (stereo.ndim() != 2 || stereo.shape(0) != 2)
    throw py::value_error("apply_output_stages() takes a (2, n) array, as Chain.process returns");
  const auto n = static_cast<std::size_t>(stereo.shape(1));
  py::array_t<float> out({static_cast<py::ssize_t>(2), static_cast<py::ssize_t>(n)});
  float* left = out.mutable_data(0, 0);
  float* right = out.mutable_data(1, 0);
  std::copy(stereo.data(0, 0), stereo.data(0, 0) + n, left);
  std::copy(stereo.data(1, 0), stereo.data(1, 0) + n, right);
  {
    py::gil_scoped_release release;
    Chain::applyOutputStages(left, right, n, sampleRate, static_cast<float>(outputDb),
                             static_cast<float>(ceilingDb));
  }
  return out;
}

}  // namespace

void bindChain(py::module_& m) {
  m.def("prepare_ir", &prepareIr, py::arg("samples"), py::arg("sample_rate"),
        py::arg("host_rate") = Chain::kModelRate, py::arg("name") = "",
        "A mono IR (float32 at sample_rate) as the chain convolves it at host_rate: the same "
        "resampled taps Chain.set_ir uses; ValueError on an empty, too long or non-finite IR.");
  m.def("apply_output_stages", &applyOutputStages, py::arg("stereo"), py::arg("sample_rate"),
        py::arg("output_db"), py::arg("limiter_ceiling_db"),
        "A (2, n) render made with the output gain at 0 dB and the limiter off, as a reset "
        "chain plays it with the output gain at output_db (final gain + output level) and the "
        "limiter at limiter_ceiling_db: the same samples, without rendering the rig again. "
        "The render is aligned (latency removed, as tonematch.render gives it) and so is the "
        "result; past its end the render is taken as silent.");
  py::class_<PyChain>(m, "Chain",
                      "The ToneMatch signal chain: input gain → pedal → amp → cabinet IR → "
                      "match EQ → peak EQ → delay → reverb → output gain → limiter (mono in, stereo out).")
      .def(py::init<double, int>(), py::arg("sample_rate") = 48000.0, py::arg("max_block") = 4096)
      .def("set_pedal", &PyChain::setPedal, py::arg("path"), py::arg("slim") = 1.0,
           "Load a .nam file into the pedal slot (None empties it); ValueError on a bad file.")
      .def("set_amp", &PyChain::setAmp, py::arg("path"), py::arg("slim") = 1.0,
           "Load a .nam file into the amp slot (None empties it); ValueError on a bad file.")
      .def("set_ir", &PyChain::setIr, py::arg("samples"), py::arg("sample_rate") = 48000.0,
           py::arg("name") = "",
           "Load a mono cabinet IR (float32 samples at sample_rate; None removes it).")
      .def("set_params", &PyChain::setParams, py::kw_only(), py::arg("match_eq_db") = py::none(),
           py::arg("immediate") = false,
           "Set parameters by their rig-JSON keys (param_table(); others keep their values), clamped to their ranges; "
           "they glide unless immediate. match_eq_db: the 24 match-EQ band gains in dB (not "
           "smoothed; they apply from the next block).")
      .def_property_readonly("params", &PyChain::params, "The current parameter targets.")
      .def("process", &PyChain::process, py::arg("x"), py::arg("block") = 0,
           "Run mono float32 samples through the chain in blocks of `block` (0 = max_block); "
           "returns a (2, n) float32 array.")
      .def("reset", &PyChain::reset, "Clear all audio state (tails, history, glides).")
      .def_property_readonly("latency_samples", [](const PyChain& c) { return c.chain().latencySamples(); })
      .def_property_readonly("sample_rate", [](const PyChain& c) { return c.chain().sampleRate(); })
      .def_property_readonly("max_block", [](const PyChain& c) { return c.chain().maxBlock(); })
      .def_property_readonly("pedal_name", [](const PyChain& c) { return c.chain().pedalName(); })
      .def_property_readonly("amp_name", [](const PyChain& c) { return c.chain().ampName(); })
      .def_property_readonly("ir_name", [](const PyChain& c) { return c.chain().impulseResponseName(); })
      .def_property_readonly_static(
          "match_eq_centres_hz",
          [](const py::object&) {
            std::vector<double> out;
            for (int k = 0; k < Chain::kMatchEqBands; ++k) out.push_back(Chain::matchEqCentreHz(k));
            return out;
          },
          "The match EQ's 24 band centres (Hz).")
      .def_property_readonly_static(
          "match_eq_q", [](const py::object&) { return static_cast<double>(Chain::kMatchEqQ); },
          "The Q of every match EQ band.");
}
