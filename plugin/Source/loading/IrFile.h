// Reading the files the plugin loads (cabinet IRs, .nam models) safely: only regular files are
// opened, every read runs with a timeout, and a request to stop is honoured while waiting.
#pragma once

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tonematch::plugin {

/// A mono IR at its file's rate, before resampling to the host rate.
struct IrSource {
  std::vector<float> samples;
  double sampleRate = 0.0;
  std::string name;  ///< file stem
};

/// Longest IR accepted: cabinet IRs are well under a second; this refuses whole songs.
inline constexpr double kMaxIrSeconds = 10.0;
/// Largest IR file read (10 s of 8-channel 32-bit audio at 384 kHz is 123 MB).
inline constexpr std::size_t kMaxIrFileBytes = 256u * 1024u * 1024u;
/// How long one file read may take before it is given up (a stalled network mount).
inline constexpr int kFileReadTimeoutMs = 10000;

/// A file that cannot be read; `missing` tells "not found" from every other problem.
struct FileReadError : std::runtime_error {
  FileReadError(const std::string& message, bool isMissing)
      : std::runtime_error(message), missing(isMissing) {}
  bool missing;
};

/// The whole content of a regular file of at most `limit` bytes. The file is opened
/// non-blocking and checked with fstat, so a FIFO, device or socket is refused at once instead
/// of blocking; the read itself runs on a helper thread and is abandoned after `timeoutMs` or as
/// soon as `stop()` returns true. Throws FileReadError with one line naming the file.
std::string readRegularFile(const std::string& path, std::size_t limit,
                            int timeoutMs = kFileReadTimeoutMs,
                            const std::function<bool()>& stop = {});

/// Reads the file and averages its channels (a stereo IR → one mono IR, levels kept).
/// Throws std::runtime_error (FileReadError for I/O) with a one-line message naming the file.
IrSource readIrFile(const std::string& path, const std::function<bool()>& stop = {});

}  // namespace tonematch::plugin
