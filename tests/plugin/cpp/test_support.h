// A tiny check framework and helpers shared by the plugin's C++ test programs.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "PluginProcessor.h"

namespace tmtest {

int& failures();

#define TM_CHECK(cond)                                                             \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++tmtest::failures();                                                        \
    }                                                                              \
  } while (0)

/// Runs one named test and prints its outcome.
void run(const char* name, void (*test)());
/// 0 when every check passed.
int finish();

std::string asset(const std::string& relative);  ///< absolute path under assets/
/// The bundled DI clip (mono, 48 kHz).
std::vector<float> loadDi();

/// Prepares a processor for mono in → stereo out at the given rate and block size.
void prepare(tonematch::plugin::ToneMatchProcessor& p, double rate, int block, int inputs = 1,
             int outputs = 2);
/// Runs `input` through the processor in blocks; returns the left output channel.
std::vector<float> render(tonematch::plugin::ToneMatchProcessor& p, const std::vector<float>& input,
                          int block);

bool allFinite(const std::vector<float>& x);
double rms(const float* x, std::size_t n);

}  // namespace tmtest
