// NamModel: the Python face of one engine model.
#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "tonematch/engine/loader.h"

namespace py = pybind11;
using tonematch::engine::LoadError;
using tonematch::engine::LoadOptions;
using tonematch::engine::Model;

namespace {

class NamModel {
 public:
  NamModel(const py::object& path, int maxBlock, double slim) {
    path_ = py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
    if (maxBlock < 1 || maxBlock > (1 << 20)) throw py::value_error("max_block must be between 1 and 1048576");
    if (!(slim >= 0.0 && slim <= 1.0)) throw py::value_error("slim must be between 0 and 1");
    LoadOptions options;
    options.slim = slim;
    try {
      py::gil_scoped_release release;
      model_ = tonematch::engine::loadModel(path_, options);
      const double rate = model_->metadata().sampleRate.value_or(48000.0);
      model_->prepare(rate, maxBlock);
    } catch (const LoadError& e) {
      throw py::value_error(e.what());
    }
  }

  py::array_t<float> process(const py::array_t<float, py::array::c_style | py::array::forcecast>& x) {
    if (x.ndim() != 1) throw py::value_error("process() takes a 1-D array of samples, got " + std::to_string(x.ndim()) + "-D");
    const auto n = static_cast<std::size_t>(x.shape(0));
    py::array_t<float> y(n);
    const float* in = x.data();
    float* out = y.mutable_data();
    {
      py::gil_scoped_release release;
      // The engine is single-threaded per object; the lock only guards against misuse from
      // Python threads and is never on a real-time path.
      std::lock_guard<std::mutex> lock(mutex_);
      const std::size_t block = static_cast<std::size_t>(model_->maxBlock());
      for (std::size_t i = 0; i < n; i += block) {
        const int len = static_cast<int>(std::min(block, n - i));
        model_->process(in + i, out + i, len);
      }
    }
    return y;
  }

  void reset() {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    model_->reset();
  }

  const tonematch::engine::ModelMetadata& meta() const { return model_->metadata(); }
  const Model& model() const { return *model_; }
  const std::string& path() const { return path_; }

 private:
  std::unique_ptr<Model> model_;
  std::string path_;
  std::mutex mutex_;
};

}  // namespace

void bindNamModel(py::module_& m) {
  py::class_<NamModel>(m, "NamModel", "A Neural Amp Modeler (.nam) network run by the ToneMatch engine.")
      .def(py::init<const py::object&, int, double>(), py::arg("path"), py::arg("max_block") = 4096,
           py::arg("slim") = 1.0,
           "Load and validate a .nam file; ValueError names the file and the problem.")
      .def("process", &NamModel::process, py::arg("x"),
           "Run float32 samples through the model (stateful); returns the same number of samples.")
      .def("reset", &NamModel::reset, "Clear the state and prewarm, as right after loading.")
      .def_property_readonly("path", &NamModel::path)
      .def_property_readonly("architecture", [](const NamModel& s) { return s.meta().architecture; })
      .def_property_readonly("version", [](const NamModel& s) { return s.meta().version; })
      .def_property_readonly("name", [](const NamModel& s) -> std::optional<std::string> {
        if (s.meta().name.empty()) return std::nullopt;
        return s.meta().name;
      })
      .def_property_readonly("sample_rate", [](const NamModel& s) { return s.meta().sampleRate; })
      .def_property_readonly("loudness", [](const NamModel& s) { return s.meta().loudness; })
      .def_property_readonly("gain", [](const NamModel& s) { return s.meta().gain; })
      .def_property_readonly("input_level_dbu", [](const NamModel& s) { return s.meta().inputLevelDbu; })
      .def_property_readonly("output_level_dbu", [](const NamModel& s) { return s.meta().outputLevelDbu; })
      .def_property_readonly("receptive_field", [](const NamModel& s) { return s.model().receptiveField(); })
      .def_property_readonly("parameter_count", [](const NamModel& s) { return s.model().parameterCount(); })
      .def_property_readonly("max_block", [](const NamModel& s) { return s.model().maxBlock(); })
      .def("__repr__", [](const NamModel& s) {
        return "<NamModel " + s.meta().architecture + " '" + s.path() + "'>";
      });
}
