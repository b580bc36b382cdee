// The parameter table and the rig JSON codec, so the Python package reads and writes rigs with
// the same code as the plugin.
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "tonematch/engine/rig_json.h"
#include "tonematch/engine/rig_params.h"

namespace py = pybind11;
namespace engine = tonematch::engine;

namespace {

py::list paramTable() {
  py::list out;
  for (const auto& spec : engine::kParams) {
    py::dict d;
    d["key"] = spec.jsonKey;
    d["apvts_id"] = spec.apvtsId;
    d["name"] = spec.displayName;
    d["unit"] = spec.unit;
    d["low"] = spec.low;
    d["high"] = spec.high;
    d["default"] = spec.defaultValue;
    d["skew"] = spec.skew == engine::ParamSkew::kLog ? "log" : "linear";
    out.append(std::move(d));
  }
  return out;
}

std::pair<std::string, std::vector<std::string>> normaliseRig(const std::string& text,
                                                             const std::string& source,
                                                             const std::string& baseDir) {
  py::gil_scoped_release release;
  try {
    engine::RigDocument rig = engine::parseRigJson(text, source, baseDir);
    return {engine::writeRigJson(rig), std::move(rig.readNotes)};
  } catch (const engine::RigFormatError& e) {
    py::gil_scoped_acquire acquire;
    throw py::value_error(e.what());
  }
}

}  // namespace

void bindRig(py::module_& m) {
  m.def("param_table", &paramTable,
        "The chain's parameters in rig-JSON order: dicts with key, apvts_id, name, unit, low, "
        "high, default and skew ('linear' or 'log').");
  m.def("normalise_rig_json", &normaliseRig, py::arg("text"), py::arg("source"),
        py::arg("base_dir") = "",
        "Reads a rig JSON document (strictly) and writes it back as the plugin would: returns "
        "(JSON text, notes), the notes saying what reading changed (clamped values, skipped "
        "alternatives). Relative paths resolve against base_dir. ValueError naming the source "
        "on a document that cannot be used.");
  m.attr("RIG_SCHEMA_VERSION") = engine::kRigSchemaVersion;
  m.attr("RIG_MAX_JSON_DEPTH") = engine::kRigMaxJsonDepth;
  m.attr("RIG_MAX_FILE_BYTES") = engine::kRigMaxFileBytes;
  m.attr("MATCH_EQ_LIMIT_DB") = static_cast<double>(engine::kMatchEqLimitDb);
}
