// tonematch._native: the C++ engine, exposed to the matcher so it hears what the plugin plays.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bindNamModel(py::module_& m);
void bindChain(py::module_& m);
void bindRig(py::module_& m);

PYBIND11_MODULE(_native, m) {
  m.doc() = "ToneMatch AI engine: .nam loading and inference, and the signal chain, in C++.";
  bindNamModel(m);
  bindChain(m);
  bindRig(m);
}
