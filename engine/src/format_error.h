// Internal error type: the loader adds the file name and turns it into a LoadError.
#pragma once

#include <stdexcept>
#include <string>

#include "tonematch/engine/loader.h"

namespace tonematch::engine {

/// A problem found while reading a document, before the file name is known.
struct FormatError : std::runtime_error {
  FormatError(LoadErrorKind k, const std::string& problem) : std::runtime_error(problem), kind(k) {}
  LoadErrorKind kind;
};

[[noreturn]] inline void badConfig(const std::string& problem) {
  throw FormatError(LoadErrorKind::BadConfig, problem);
}

}  // namespace tonematch::engine
