// Shared by the plugin's bad-input corpus (bad_input_test.cpp): the processor under test, what
// "nothing changed" means for it, and a fingerprint of a file that must not be modified.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "PluginProcessor.h"

namespace badinput {

constexpr double kRate = 48000.0;
constexpr int kBlock = 256;
/// Every case must end within this (the "0 hangs").
constexpr double kCaseSeconds = 30.0;

/// This run's temporary folder.
juce::File& work();

/// A processor (made on the message thread) with a known rig loaded and 15 s of DI played.
std::unique_ptr<tonematch::plugin::ToneMatchProcessor> makeProcessor();
void destroy(std::unique_ptr<tonematch::plugin::ToneMatchProcessor> p);
/// The rig makeProcessor applies: an amp, a cabinet and parameters away from their defaults.
tonematch::plugin::RigSpec knownRig();
/// Applies knownRig again (message thread) and waits for its files.
void restoreKnownRig(tonematch::plugin::ToneMatchProcessor& p);

/// Everything a refused input must leave alone: parameter values, slots, match EQ, the last
/// rig text and the matched rigs (A/B/C).
struct Snapshot {
  std::vector<float> params;
  std::vector<std::string> slots;  ///< per slot: state, path, name
  std::vector<double> matchEq;
  std::string lastRig;
  std::vector<std::string> matched;
  bool operator==(const Snapshot& o) const {
    return params == o.params && slots == o.slots && matchEq == o.matchEq && lastRig == o.lastRig &&
           matched == o.matched;
  }
};
Snapshot snapshot(tonematch::plugin::ToneMatchProcessor& p);
/// The plain value of a parameter by its rig JSON key.
float param(tonematch::plugin::ToneMatchProcessor& p, const char* key);

/// True when 0.25 s of DI through the processor comes out finite and audible.
bool audioFlows(tonematch::plugin::ToneMatchProcessor& p);

/// lstat type, size, mtime and (for regular files) the bytes' hash: equal = not modified.
std::string fingerprint(const juce::File& f);

/// Valid UTF-8 (what the UI can show).
bool validUtf8(const std::string& s);
bool contains(const std::string& text, const std::string& part);

/// Cases run per input kind, printed at the end ("corpus: …").
std::map<std::string, int>& counts();

void presetCorpus();
/// LOAD PRESET's asynchronous load; after presetCorpus (its stalled case leaves the mount stalled).
void presetAsync();
void presetSaving();
void matcherOutputCorpus();

}  // namespace badinput
