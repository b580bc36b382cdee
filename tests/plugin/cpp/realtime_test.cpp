// The audio thread of the real processor never allocates, frees, locks or overruns while models
// and IRs are swapped thousands of times; non-finite input is recovered from; rate and block
// changes re-prepare cleanly. Run the ASan build of this program for memory errors.
#include <chrono>
#include <cmath>
#include <thread>

#include "alloc_counter.h"
#include "test_support.h"

using tonematch::plugin::SlotKind;
using tonematch::plugin::SlotState;
using tonematch::plugin::ToneMatchProcessor;
using Clock = std::chrono::steady_clock;

#include <time.h>

namespace {

constexpr double kRate = 48000.0;
constexpr int kBlock = 128;

double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

// Like tmtest::render, with every processBlock call allocation-counted.
std::vector<float> renderCounted(ToneMatchProcessor& p, const std::vector<float>& input, int block) {
  juce::AudioBuffer<float> buffer(2, block);
  juce::MidiBuffer midi;
  std::vector<float> out(input.size());
  for (std::size_t start = 0; start + static_cast<std::size_t>(block) <= input.size(); start += static_cast<std::size_t>(block)) {
    buffer.copyFrom(0, 0, input.data() + start, block);
    {
      tmtest::ScopedAllocationCount counting;
      p.processBlock(buffer, midi);
    }
    std::copy(buffer.getReadPointer(0), buffer.getReadPointer(0) + block, out.begin() + static_cast<std::ptrdiff_t>(start));
  }
  return out;
}

void applyAmpAndIr(ToneMatchProcessor& p) {
  p.loadSlot(SlotKind::Amp, juce::File(tmtest::asset("nam_models/amp_british_crunch_g5.nam")));
  p.loadSlot(SlotKind::Ir, juce::File(tmtest::asset("impulse_responses/cab_4x12_closed_cap.wav")));
  TM_CHECK(p.waitUntilLoaded(20000));
}

// One thread plays the DI in real time (a block every 128/48000 s) while this thread swaps
// pedals, amps and IRs and moves knobs. Every processBlock call is allocation-counted and timed.
void swapStressWhileAudioRuns() {
  ToneMatchProcessor p;
  tmtest::prepare(p, kRate, kBlock);
  applyAmpAndIr(p);
  const auto di = tmtest::loadDi();
  TM_CHECK(di.size() > 48000);

  std::atomic<bool> stop{false};
  std::atomic<long> blocks{0}, overruns{0}, cpuOverruns{0}, nonFinite{0};
  std::atomic<double> worstMs{0.0}, worstCpuMs{0.0};
  const double blockMs = 1000.0 * kBlock / kRate;

  std::thread audio([&] {
    juce::AudioBuffer<float> buffer(2, kBlock);
    juce::MidiBuffer midi;
    std::size_t pos = 0;
    auto next = Clock::now();
    while (!stop.load()) {
      for (int i = 0; i < kBlock; ++i) buffer.setSample(0, i, di[(pos + i) % di.size()]);
      pos += kBlock;
      const auto t0 = Clock::now();
      const double cpu0 = threadCpuMs();
      {
        tmtest::ScopedAllocationCount counting;
        p.processBlock(buffer, midi);
      }
      const double cpuMs = threadCpuMs() - cpu0;
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (ms > worstMs.load()) worstMs.store(ms);
      if (cpuMs > worstCpuMs.load()) worstCpuMs.store(cpuMs);
      if (ms > blockMs) ++overruns;
      if (cpuMs > blockMs) ++cpuOverruns;
      for (int c = 0; c < 2; ++c)
        for (int i = 0; i < kBlock; ++i)
          if (!std::isfinite(buffer.getSample(c, i))) ++nonFinite;
      ++blocks;
      next += std::chrono::microseconds(static_cast<int>(blockMs * 1000.0));
      std::this_thread::sleep_until(next);
      if (Clock::now() > next + std::chrono::milliseconds(50)) next = Clock::now();  // host hiccup
    }
  });

  const std::vector<std::string> amps{"amp_british_crunch_g5.nam", "amp_clean_american_g2.nam",
                                      "amp_brown_g9.nam", "amp_jazz_clean_g6.nam"};
  const std::vector<std::string> pedals{"pedal_ts_mid.nam", "pedal_fuzz_gated.nam", ""};
  const std::vector<std::string> irs{"cab_4x12_closed_cap.wav", "cab_1x12_open_cap.wav",
                                     "cab_2x10_open_edge.wav", ""};
  const int rounds = envInt("TONEMATCH_STRESS_ROUNDS", 1000);
  int swaps = 0;
  auto* mix = p.parameters().getParameter("delayMix");
  auto* gate = p.parameters().getParameter("gateThresholdDb");
  auto* eqAmount = p.parameters().getParameter("matchEqAmount");
  // A match EQ to scale, so the amount's glide recomputes coefficients on the audio thread.
  tonematch::plugin::RigSpec shaped;
  for (std::size_t k = 0; k < shaped.matchEqDb.size(); ++k) shaped.matchEqDb[k] = 4.0 * std::sin(0.9 * k);
  shaped.amp.path = tmtest::asset("nam_models/amp_british_crunch_g5.nam");
  shaped.ir.path = tmtest::asset("impulse_responses/cab_4x12_closed_cap.wav");
  p.applyRig(shaped);
  for (int r = 0; r < rounds; ++r) {
    const auto& amp = amps[static_cast<std::size_t>(r) % amps.size()];
    const auto& pedal = pedals[static_cast<std::size_t>(r) % pedals.size()];
    const auto& ir = irs[static_cast<std::size_t>(r) % irs.size()];
    p.loadSlot(SlotKind::Amp, juce::File(tmtest::asset("nam_models/" + amp)));
    if (pedal.empty()) p.clearSlot(SlotKind::Pedal);
    else p.loadSlot(SlotKind::Pedal, juce::File(tmtest::asset("nam_models/" + pedal)));
    if (ir.empty()) p.clearSlot(SlotKind::Ir);
    else p.loadSlot(SlotKind::Ir, juce::File(tmtest::asset("impulse_responses/" + ir)));
    mix->setValueNotifyingHost(static_cast<float>(r % 10) / 10.0f);
    gate->setValueNotifyingHost(static_cast<float>(r % 3) / 3.0f);  // off, −67 dB, −33 dB
    eqAmount->setValueNotifyingHost(static_cast<float>(r % 5) / 4.0f);
    // Compare steps MATCHED → RIG → BYPASS while everything else changes.
    p.setCompareMode(static_cast<tonematch::plugin::CompareMode>(r % 3));
    TM_CHECK(p.waitUntilLoaded(20000));
    swaps += 3;
    // Let the audio thread run at least one block with this rig, so swaps really happen
    // between blocks instead of replacing each other before the audio thread sees them.
    const long seen = blocks.load();
    const auto deadline = Clock::now() + std::chrono::milliseconds(100);
    while (blocks.load() <= seen + 1 && Clock::now() < deadline) std::this_thread::yield();
  }
  // Let the audio thread pick up the last staged objects and the loader free the old ones.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  audio.join();

  std::printf("  %d swaps over %ld blocks; worst block %.3f ms CPU, %.3f ms wall (budget %.3f ms); "
              "overruns %ld CPU, %ld wall; audio-thread allocations %ld, frees %ld\n",
              swaps, blocks.load(), worstCpuMs.load(), worstMs.load(), blockMs, cpuOverruns.load(),
              overruns.load(), tmtest::countedAllocations(), tmtest::countedFrees());
  TM_CHECK(swaps >= 3 * rounds);
  TM_CHECK(blocks.load() > 100);
  TM_CHECK(nonFinite.load() == 0);
  if (tmtest::allocationCountingAvailable()) {
    TM_CHECK(tmtest::countedAllocations() == 0);
    TM_CHECK(tmtest::countedFrees() == 0);
    // A block that needs more CPU than its own duration is an audible dropout. A cost paid at
    // each swap (a lock, a wait, work done on the audio thread instead of the loader) would
    // overrun in a large share of the 3000 swaps, so that is what is checked. One isolated block
    // is tolerated: on a virtual machine the thread's CPU clock also runs while the hypervisor
    // has the core taken away, which this test cannot tell from real work. Wall time also counts
    // the OS running other work on this non-real-time thread, so it is allowed 1 % of blocks.
    // Sanitizer builds are several times slower and are not timed.
    TM_CHECK(cpuOverruns.load() * 1000 <= blocks.load());
    TM_CHECK(overruns.load() * 100 < blocks.load());
  }
  for (auto kind : tonematch::plugin::kSlotKinds) TM_CHECK(p.slotStatus(kind).error.empty());
}

// A block of NaN/Inf input (or a NaN parameter) must not leave the plugin silent or broken.
void recoversFromNonFiniteInput() {
  ToneMatchProcessor p;
  tmtest::prepare(p, kRate, kBlock);
  applyAmpAndIr(p);
  auto di = tmtest::loadDi();
  di.resize(48000);
  const auto clean = tmtest::render(p, di, kBlock);
  TM_CHECK(tmtest::rms(clean.data(), clean.size()) > 1e-3);

  std::vector<float> poisoned = di;
  for (int i = 0; i < kBlock; ++i) poisoned[1000 + static_cast<std::size_t>(i)] = (i % 2) ? NAN : INFINITY;
  const long before = tmtest::countedAllocations();
  const auto out = renderCounted(p, poisoned, kBlock);
  TM_CHECK(tmtest::countedAllocations() == before);
  TM_CHECK(tmtest::allFinite(out));
  // After the bad block the chain resets and plays again: the last half second is not silent.
  const std::size_t tail = 24000;
  TM_CHECK(tmtest::rms(out.data() + out.size() - tail, tail) > 1e-3);
}

// Hosts may send more samples than announced; sample-rate and block-size changes re-prepare.
void rateAndBlockChanges() {
  ToneMatchProcessor p;
  tmtest::prepare(p, kRate, 64);
  applyAmpAndIr(p);
  std::vector<float> di = tmtest::loadDi();
  di.resize(24000);
  auto out = tmtest::render(p, di, 1000);  // blocks larger than the prepared 64
  TM_CHECK(tmtest::allFinite(out));
  TM_CHECK(tmtest::rms(out.data(), out.size()) > 1e-3);
  TM_CHECK(p.getLatencySamples() == 95);  // 48 kHz: only the output limiter's 2 ms lookahead
  for (double rate : {44100.0, 88200.0, 96000.0, 48000.0}) {
    tmtest::prepare(p, rate, 512);
    out = tmtest::render(p, di, 512);
    TM_CHECK(tmtest::allFinite(out));
    TM_CHECK(tmtest::rms(out.data(), out.size()) > 1e-3);
    TM_CHECK(p.getLatencySamples() == p.chainLatency());
    std::printf("  %.0f Hz: latency %d samples\n", rate, p.getLatencySamples());
    TM_CHECK(p.getLatencySamples() > 0);
  }
}

void busLayouts() {
  ToneMatchProcessor p;
  using Set = juce::AudioChannelSet;
  auto layout = [](Set in, Set out) {
    juce::AudioProcessor::BusesLayout l;
    l.inputBuses.add(in);
    l.outputBuses.add(out);
    return l;
  };
  TM_CHECK(p.checkBusesLayoutSupported(layout(Set::mono(), Set::mono())));
  TM_CHECK(p.checkBusesLayoutSupported(layout(Set::mono(), Set::stereo())));
  TM_CHECK(p.checkBusesLayoutSupported(layout(Set::stereo(), Set::stereo())));
  TM_CHECK(!p.checkBusesLayoutSupported(layout(Set::stereo(), Set::mono())));
  TM_CHECK(!p.checkBusesLayoutSupported(layout(Set::create5point1(), Set::stereo())));
  // Mono out is the average of the chain's two channels; stereo in is averaged to mono.
  for (auto [in, out] : {std::pair{1, 1}, std::pair{2, 2}}) {
    ToneMatchProcessor q;
    tmtest::prepare(q, kRate, kBlock, in, out);
    std::vector<float> x(4800, 0.0f);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * std::sin(0.05f * static_cast<float>(i));
    const auto y = tmtest::render(q, x, kBlock);  // empty slots: every stage bypassed
    const auto lat = static_cast<std::size_t>(q.getLatencySamples());
    double err = 0.0;
    for (std::size_t i = lat; i < x.size(); ++i)
      err = std::max(err, std::abs(double(y[i]) - x[i - lat]));
    std::printf("  %d in / %d out, empty rig: max |out - in delayed by the latency| = %.3g\n", in, out, err);
    TM_CHECK(err < 1e-5);
  }
}

}  // namespace

int main() {
  juce::ScopedJuceInitialiser_GUI juce;
  tmtest::run("busLayouts", busLayouts);
  tmtest::run("recoversFromNonFiniteInput", recoversFromNonFiniteInput);
  tmtest::run("rateAndBlockChanges", rateAndBlockChanges);
  tmtest::run("swapStressWhileAudioRuns", swapStressWhileAudioRuns);
  return tmtest::finish();
}
