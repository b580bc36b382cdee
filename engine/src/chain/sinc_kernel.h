// Kaiser-windowed sinc lowpass kernels, shared by the streaming and the offline resamplers.
#pragma once

namespace tonematch::engine::chain {

/// A lowpass interpolation kernel in units of input samples.
struct SincKernel {
  double cutoff = 0.5;  ///< −6 dB point, cycles per input sample
  double half = 16.0;   ///< half-width in input samples; zero outside (−half, half)
  double beta = 9.0;    ///< Kaiser window shape

  /// Kernel value at offset t (input samples); its samples sum to about 1 (unity DC gain).
  double operator()(double t) const;

  /// A kernel for converting inRate to outRate: flat to 0.42·min(inRate, outRate), at least
  /// `attenuationDb` down from 0.58·min(inRate, outRate). The transition band is centred on
  /// the lower Nyquist frequency, so what aliases lands only above the flat band.
  static SincKernel design(double inRate, double outRate, double attenuationDb);
};

/// Zeroth-order modified Bessel function of the first kind (for the Kaiser window).
double besselI0(double x);

}  // namespace tonematch::engine::chain
