#include "sinc_kernel.h"

#include <algorithm>
#include <cmath>

namespace tonematch::engine::chain {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kPassFraction = 0.42;  // of the lower rate
constexpr double kStopFraction = 0.58;
}  // namespace

double besselI0(double x) {
  // Power series; converges fast for the β values used here (< 15).
  double sum = 1.0, term = 1.0;
  const double q = 0.25 * x * x;
  for (int k = 1; k < 200 && term > 1e-17 * sum; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
  }
  return sum;
}

double SincKernel::operator()(double t) const {
  if (!(std::abs(t) < half)) return 0.0;
  const double x = 2.0 * cutoff * t;
  const double sinc = std::abs(x) < 1e-12 ? 1.0 : std::sin(kPi * x) / (kPi * x);
  const double r = t / half;
  const double window = besselI0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / besselI0(beta);
  return 2.0 * cutoff * sinc * window;
}

SincKernel SincKernel::design(double inRate, double outRate, double attenuationDb) {
  const double low = std::min(inRate, outRate);
  const double pass = kPassFraction * low, stop = kStopFraction * low;
  SincKernel k;
  k.cutoff = 0.5 * (pass + stop) / inRate;
  // Kaiser's formulas for β and the length from the attenuation and the transition width.
  const double a = attenuationDb;
  k.beta = a > 50.0 ? 0.1102 * (a - 8.7) : 0.5842 * std::pow(a - 21.0, 0.4) + 0.07886 * (a - 21.0);
  const double width = (stop - pass) / inRate;  // cycles per input sample
  const double taps = (a - 7.95) / (2.285 * 2.0 * kPi * width);
  k.half = std::ceil(0.5 * taps);
  return k;
}

}  // namespace tonematch::engine::chain
