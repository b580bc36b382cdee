// Loading and validating .nam files.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "tonematch/engine/model.h"

namespace tonematch::engine {

/// Why a file could not be loaded.
enum class LoadErrorKind {
  Io,                   ///< missing, unreadable or empty file
  TooLarge,             ///< file or network above the configured caps
  NotJson,              ///< not valid JSON (including truncated files)
  BadFormat,            ///< JSON, but not a .nam document (missing or mistyped fields)
  UnsupportedVersion,   ///< a format version this engine does not know
  UnknownArchitecture,  ///< an architecture name this engine does not implement
  BadConfig,            ///< inconsistent or out-of-range architecture settings
  BadWeights,           ///< wrong weight count or non-finite weights
};

/// Thrown by the loader; what() names the file and the problem in one line.
class LoadError : public std::runtime_error {
 public:
  LoadError(LoadErrorKind kind, const std::string& source, const std::string& problem);
  LoadErrorKind kind() const { return kind_; }
  const std::string& source() const { return source_; }
  const std::string& problem() const { return problem_; }

 private:
  LoadErrorKind kind_;
  std::string source_;
  std::string problem_;
};

/// Limits and choices for loading.
struct LoadOptions {
  /// Files above this size are refused before parsing.
  std::size_t maxFileBytes = 64u * 1024u * 1024u;
  /// Networks with more weights than this are refused (a large WaveNet has ~14k).
  std::size_t maxWeights = 4u * 1024u * 1024u;
  /// For SlimmableContainer: the smallest submodel whose max_value ≥ slim (1 = full size).
  double slim = 1.0;
};

/// Loads and validates a .nam file. Throws LoadError; never crashes on bad input.
std::unique_ptr<Model> loadModel(const std::string& path, const LoadOptions& options = {});

/// Same as loadModel() for a document already in memory; `source` names it in errors.
std::unique_ptr<Model> loadModelFromString(const std::string& text, const std::string& source,
                                           const LoadOptions& options = {});

}  // namespace tonematch::engine
