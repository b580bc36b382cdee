#include "loading/IrFile.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <juce_audio_formats/juce_audio_formats.h>

#if !defined(_WIN32)
#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace tonematch::plugin {

namespace {

struct ReadJob {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::string data;
  std::string error;
  bool missing = false;
};

#if !defined(_WIN32)
std::string describeMode(mode_t mode) {
  if (S_ISDIR(mode)) return "is a folder, not a file";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

// Runs on the helper thread: everything that can block (open, fstat, read) happens here.
void readInto(const std::string& path, std::size_t limit, ReadJob& job) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    struct stat st {};
    if (err == ENOENT || err == ENOTDIR) {
      job.missing = true;
      job.error = "file not found";
    } else if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      job.error = describeMode(st.st_mode);  // a socket cannot be opened at all
    } else {
      job.error = std::string("cannot open (") + std::strerror(err) + ")";
    }
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    job.error = std::string("cannot read (") + std::strerror(errno) + ")";
  } else if (!S_ISREG(st.st_mode)) {
    job.error = describeMode(st.st_mode);
  } else if (static_cast<unsigned long long>(st.st_size) > limit) {
    job.error = "larger than " + std::to_string(limit / (1024 * 1024)) + " MB";
  } else {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::string data(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < data.size()) {
      const ssize_t n = ::read(fd, &data[got], data.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    job.data = std::move(data);
  }
  ::close(fd);
}
#else
void readInto(const std::string& path, std::size_t limit, ReadJob& job) {
  const juce::File file(juce::String::fromUTF8(path.c_str()));
  if (!file.existsAsFile()) {
    job.missing = true;
    job.error = "file not found";
    return;
  }
  if (static_cast<std::size_t>(file.getSize()) > limit) {
    job.error = "larger than " + std::to_string(limit / (1024 * 1024)) + " MB";
    return;
  }
  juce::MemoryBlock block;
  if (!file.loadFileAsData(block)) {
    job.error = "cannot read";
    return;
  }
  job.data.assign(static_cast<const char*>(block.getData()), block.getSize());
}
#endif

// An abandoned read leaves its helper thread blocked inside this module's code. Once that
// happens the module is pinned (never unmapped, even if the host unloads the plugin), so the
// thread can return safely whenever the disk answers. glibc already keeps a module with GNU
// unique symbols (this build has some) mapped; this makes it hold for every build and platform.
void pinThisModule() {
#if !defined(_WIN32)
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&pinThisModule), &info) != 0 && info.dli_fname != nullptr)
      (void)::dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // kept on purpose
  });
#endif
}

}  // namespace

std::string readRegularFile(const std::string& path, std::size_t limit, int timeoutMs,
                            const std::function<bool()>& stop) {
  // The job is shared with the helper thread: if the read is abandoned (a stalled mount), the
  // thread finishes on its own later and frees the job; nobody waits for it, so the loader
  // thread and the plugin's unload are never held up.
  auto job = std::make_shared<ReadJob>();
  std::thread([job, path, limit] {
    ReadJob local;
    try {
      readInto(path, limit, local);
    } catch (const std::exception& e) {  // e.g. out of memory for the buffer
      local.error = e.what();
    }
    std::lock_guard<std::mutex> lock(job->mutex);
    job->data = std::move(local.data);
    job->error = std::move(local.error);
    job->missing = local.missing;
    job->done = true;
    job->cv.notify_all();
  }).detach();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  std::unique_lock<std::mutex> lock(job->mutex);
  while (!job->done) {
    if (stop && stop()) {
      pinThisModule();
      throw FileReadError(path + ": loading cancelled", false);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      pinThisModule();
      throw FileReadError(path + ": no answer from the disk after " +
                              std::to_string(timeoutMs / 1000) + " s; not loaded",
                          false);
    }
    job->cv.wait_for(lock, std::chrono::milliseconds(20));
  }
  if (!job->error.empty()) throw FileReadError(path + ": " + job->error, job->missing);
  return std::move(job->data);
}

IrSource readIrFile(const std::string& path, const std::function<bool()>& stop) {
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  const auto bytes = readRegularFile(path, kMaxIrFileBytes, kFileReadTimeoutMs, stop);
  if (bytes.empty()) throw fail("the file is empty");
  const juce::File file(juce::String::fromUTF8(path.c_str()));

  juce::AudioFormatManager formats;
  formats.registerBasicFormats();
  // The reader works on the bytes already read, so it never touches the file system again.
  std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(
      std::make_unique<juce::MemoryInputStream>(bytes.data(), bytes.size(), false)));
  if (reader == nullptr) throw fail("not an audio file JUCE can read (WAV, AIFF, FLAC, Ogg)");
  if (reader->sampleRate < 8000.0 || reader->sampleRate > 384000.0)
    throw fail("unsupported sample rate " + std::to_string(reader->sampleRate));
  if (reader->lengthInSamples <= 0) throw fail("the file holds no samples");
  if (reader->lengthInSamples > static_cast<juce::int64>(kMaxIrSeconds * reader->sampleRate))
    throw fail("longer than " + std::to_string(static_cast<int>(kMaxIrSeconds)) +
               " s; not a cabinet impulse response");
  const int channels = static_cast<int>(reader->numChannels);
  if (channels < 1 || channels > 64) throw fail("unsupported channel count");

  const int n = static_cast<int>(reader->lengthInSamples);
  juce::AudioBuffer<float> buffer(channels, n);
  if (!reader->read(&buffer, 0, n, 0, true, true)) throw fail("read error");

  IrSource ir;
  ir.sampleRate = reader->sampleRate;
  ir.name = file.getFileNameWithoutExtension().toStdString();
  ir.samples.assign(static_cast<std::size_t>(n), 0.0f);
  const float scale = 1.0f / static_cast<float>(channels);
  for (int c = 0; c < channels; ++c) {
    const float* src = buffer.getReadPointer(c);
    for (int i = 0; i < n; ++i) ir.samples[static_cast<std::size_t>(i)] += src[i] * scale;
  }
  for (float v : ir.samples)
    if (!std::isfinite(v)) throw fail("holds non-finite samples");
  return ir;
}

}  // namespace tonematch::plugin
