#include "wavenet.h"

#include <algorithm>
#include <cstring>

namespace tonematch::engine {
namespace {

void copyRows(const View& src, const View& dst, int rows, int n) noexcept {
  for (int r = 0; r < rows; ++r) std::memcpy(dst.row(r), src.row(r), sizeof(float) * n);
}

// dst = a + b, row by row (dst may be a or b).
void addRows(const View& a, const View& b, const View& dst, int rows, int n) noexcept {
  for (int r = 0; r < rows; ++r) {
    const float* pa = a.row(r);
    const float* pb = b.row(r);
    float* pd = dst.row(r);
    for (int t = 0; t < n; ++t) pd[t] = pa[t] + pb[t];
  }
}

int filmDim(const LayerArraySpec& a, int slot, int mid) {
  switch (slot) {
    case kConvPre: return a.channels;
    case kInputMixinPre: return a.conditionSize;
    case kActivationPost: return a.bottleneck;
    case kLayer1x1Post: return a.channels;
    case kHead1x1Post: return a.head1x1Out;
    default: return mid;  // conv post, mixin post, activation pre
  }
}

}  // namespace

void Film::apply(const View& x, const View& condition, int n) noexcept {
  const View f = scratch.view();
  conv.apply(condition, f, n, false);
  for (int r = 0; r < dim; ++r) {
    float* px = x.row(r);
    const float* scale = f.row(r);
    if (shift) {
      const float* offset = f.row(dim + r);
      for (int t = 0; t < n; ++t) px[t] = px[t] * scale[t] + offset[t];
    } else {
      for (int t = 0; t < n; ++t) px[t] *= scale[t];
    }
  }
}

WaveNet::WaveNet(WaveNetSpec spec, std::unique_ptr<WaveNet> conditionNet)
    : spec_(std::move(spec)), conditionNet_(std::move(conditionNet)) {
  receptiveField_ = conditionNet_ ? conditionNet_->receptiveField() : 1;
  for (const LayerArraySpec& s : spec_.arrays) {
    LayerArray a;
    a.spec = s;
    a.rechannel = Conv1D(s.inputSize, s.channels, 1, 1, 1, false);
    for (const LayerSpec& ls : s.layers) {
      Layer l;
      l.spec = ls;
      const int mid = s.midChannels(ls);
      l.conv = Conv1D(s.channels, mid, ls.kernel, ls.dilation, s.groupsInput, true);
      l.mixer = Conv1D(s.conditionSize, mid, 1, 1, s.groupsMixin, false);
      if (s.layer1x1) l.layer1x1 = Conv1D(s.bottleneck, s.channels, 1, 1, s.layer1x1Groups, true);
      if (s.head1x1) l.head1x1 = Conv1D(s.bottleneck, s.head1x1Out, 1, 1, s.head1x1Groups, true);
      for (int slot = 0; slot < kFilmSlots; ++slot) {
        if (!s.film[slot].active) continue;
        auto f = std::make_unique<Film>();
        f->dim = filmDim(s, slot, mid);
        f->shift = s.film[slot].shift;
        f->conv = Conv1D(s.conditionSize, (f->shift ? 2 : 1) * f->dim, 1, 1, s.film[slot].groups, true);
        l.film[slot] = std::move(f);
      }
      receptiveField_ += (ls.kernel - 1) * ls.dilation;
      a.layers.push_back(std::move(l));
    }
    a.headRechannel = Conv1D(s.headTermChannels(), s.headOut, s.headKernel, 1, 1, s.headBias);
    receptiveField_ += s.headKernel - 1;
    arrays_.push_back(std::move(a));
  }
  if (spec_.head) {
    const HeadSpec& h = *spec_.head;
    int cin = spec_.arrays.back().headOut;
    for (std::size_t i = 0; i < h.kernelSizes.size(); ++i) {
      const int cout = i + 1 == h.kernelSizes.size() ? h.outChannels : h.channels;
      HeadBlock b;
      b.conv = Conv1D(cin, cout, h.kernelSizes[i], 1, 1, true);
      receptiveField_ += h.kernelSizes[i] - 1;
      head_.push_back(std::move(b));
      cin = cout;
    }
  }
}

int WaveNet::outputChannels() const {
  return spec_.head ? spec_.head->outChannels : spec_.arrays.back().headOut;
}

std::vector<Conv1D*> WaveNet::convsInOrder() {
  std::vector<Conv1D*> convs;
  for (LayerArray& a : arrays_) {
    convs.push_back(&a.rechannel);
    for (Layer& l : a.layers) {
      convs.push_back(&l.conv);
      convs.push_back(&l.mixer);
      if (a.spec.layer1x1) convs.push_back(&l.layer1x1);
      if (a.spec.head1x1) convs.push_back(&l.head1x1);
      for (auto& f : l.film)
        if (f) convs.push_back(&f->conv);
    }
    convs.push_back(&a.headRechannel);
  }
  for (HeadBlock& b : head_) convs.push_back(&b.conv);
  return convs;
}

std::size_t WaveNet::weightCount() const {
  std::size_t n = 1;  // head_scale, stored last
  for (Conv1D* c : const_cast<WaveNet*>(this)->convsInOrder()) n += c->weightCount();
  return n;
}

void WaveNet::readWeights(WeightReader& reader) {
  for (Conv1D* c : convsInOrder()) c->readWeights(reader);
  headScale_ = reader.next();
}

std::size_t WaveNet::stateFloats(int maxBlock) const {
  std::size_t total = 0;
  auto add = [&](int rows, int history) {
    total += static_cast<std::size_t>(rows) * (history + std::max(2 * maxBlock, 2048));
  };
  for (const LayerArraySpec& s : spec_.arrays) {
    for (const LayerSpec& l : s.layers) {
      add(s.channels, (l.kernel - 1) * l.dilation);
      if (s.film[kConvPre].active) add(s.channels, (l.kernel - 1) * l.dilation);
    }
    add(s.headTermChannels(), s.headKernel - 1);
  }
  if (spec_.head) for (int k : spec_.head->kernelSizes) add(spec_.head->channels + spec_.arrays.back().headOut, k - 1);
  if (conditionNet_) total += conditionNet_->stateFloats(maxBlock);
  return total;
}

void WaveNet::allocate(int maxBlock) {
  input_.allocate(1, 0, maxBlock);
  output_.allocate(outputChannels(), 0, maxBlock);
  if (conditionNet_) {
    conditionNet_->allocate(maxBlock);
    conditionView_ = conditionNet_->output_.view();
  } else {
    conditionView_ = input_.view();
  }
  const int conditionStride = conditionView_.stride;
  int inputStride = input_.stride();
  for (LayerArray& a : arrays_) {
    const LayerArraySpec& s = a.spec;
    int maxMid = s.bottleneck;
    for (Layer& l : a.layers) maxMid = std::max(maxMid, s.midChannels(l.spec));
    a.output.allocate(s.channels, 0, maxBlock);
    a.headSum.allocate(s.headTermChannels(), s.headKernel - 1, maxBlock);
    a.headOut.allocate(s.headOut, 0, maxBlock);
    a.z.allocate(maxMid, 0, maxBlock);
    a.mix.allocate(maxMid, 0, maxBlock);
    a.tmp.allocate(1, 0, maxBlock);
    a.l1.allocate(s.channels, 0, maxBlock);
    a.h1.allocate(s.head1x1Out, 0, maxBlock);
    a.filmedCondition.allocate(s.conditionSize, 0, maxBlock);
    a.rechannel.bind(inputStride);
    for (Layer& l : a.layers) {
      const int history = (l.spec.kernel - 1) * l.spec.dilation;
      l.input.allocate(s.channels, history, maxBlock);
      if (l.film[kConvPre]) {
        l.filmedInput.allocate(s.channels, history, maxBlock);
        l.conv.bind(l.filmedInput.stride());
      } else {
        l.conv.bind(l.input.stride());
      }
      l.mixer.bind(l.film[kInputMixinPre] ? a.filmedCondition.stride() : conditionStride);
      l.layer1x1.bind(a.z.stride());
      l.head1x1.bind(a.z.stride());
      for (auto& f : l.film) {
        if (!f) continue;
        f->scratch.allocate(f->conv.outChannels(), 0, maxBlock);
        f->conv.bind(conditionStride);
      }
    }
    a.headRechannel.bind(a.headSum.stride());
    inputStride = a.output.stride();
  }
  for (std::size_t i = 0; i < head_.size(); ++i) {
    HeadBlock& b = head_[i];
    b.input.allocate(b.conv.inChannels(), b.conv.history(), maxBlock);
    b.output.allocate(b.conv.outChannels(), 0, maxBlock);
    b.conv.bind(b.input.stride());
  }
}

void WaveNet::clearState() {
  if (conditionNet_) conditionNet_->clearState();
  for (LayerArray& a : arrays_) {
    for (Layer& l : a.layers) {
      l.input.clear();
      l.filmedInput.clear();
    }
    a.headSum.clear();
  }
  for (HeadBlock& b : head_) b.input.clear();
}

void WaveNet::runLayer(LayerArray& a, std::size_t index, int n) noexcept {
  const LayerArraySpec& s = a.spec;
  Layer& l = a.layers[index];
  const int mid = s.midChannels(l.spec);
  const int b = s.bottleneck;
  const View c = conditionView_;
  const View in = l.input.view();

  View convIn = in;
  if (l.film[kConvPre]) {
    l.filmedInput.beginBlock(n);
    convIn = l.filmedInput.view();
    copyRows(in, convIn, s.channels, n);
    l.film[kConvPre]->apply(convIn, c, n);
  }
  const View z = a.z.view();
  l.conv.apply(convIn, z, n, false);
  if (l.film[kConvPost]) l.film[kConvPost]->apply(z, c, n);

  View mixIn = c;
  if (l.film[kInputMixinPre]) {
    mixIn = a.filmedCondition.view();
    copyRows(c, mixIn, s.conditionSize, n);
    l.film[kInputMixinPre]->apply(mixIn, c, n);
  }
  if (l.film[kInputMixinPost]) {
    const View m = a.mix.view();
    l.mixer.apply(mixIn, m, n, false);
    l.film[kInputMixinPost]->apply(m, c, n);
    addRows(z, m, z, mid, n);
  } else {
    l.mixer.apply(mixIn, z, n, true);
  }
  if (l.film[kActivationPre]) l.film[kActivationPre]->apply(z, c, n);

  switch (l.spec.gating) {
    case Gating::None: l.spec.primary.apply(z, b, n); break;
    case Gating::Gated: {
      const View gate{z.row(b), z.stride};
      l.spec.primary.apply(z, b, n);
      l.spec.secondary.apply(gate, b, n);
      for (int r = 0; r < b; ++r) {
        float* p = z.row(r);
        const float* g = gate.row(r);
        for (int t = 0; t < n; ++t) p[t] *= g[t];
      }
      break;
    }
    case Gating::Blended: {
      const View blend{z.row(b), z.stride};
      const View tmp = a.tmp.view();
      l.spec.secondary.apply(blend, b, n);
      for (int r = 0; r < b; ++r) {
        const View row{z.row(r), z.stride};
        std::memcpy(tmp.p, row.p, sizeof(float) * n);
        l.spec.primary.apply(row, 1, n, r);
        const float* g = blend.row(r);
        for (int t = 0; t < n; ++t) row.p[t] = g[t] * row.p[t] + (1.0f - g[t]) * tmp.p[t];
      }
      break;
    }
  }
  if (l.film[kActivationPost]) l.film[kActivationPost]->apply(z, c, n);

  Buffer& nextBuffer = index + 1 < a.layers.size() ? a.layers[index + 1].input : a.output;
  nextBuffer.beginBlock(n);
  const View next = nextBuffer.view();
  if (s.layer1x1 && !l.film[kLayer1x1Post]) {
    l.layer1x1.applyOnto(z, next, n, &in);  // the residual sum in one pass
  } else if (s.layer1x1) {
    const View l1 = a.l1.view();
    l.layer1x1.apply(z, l1, n, false);
    l.film[kLayer1x1Post]->apply(l1, c, n);
    addRows(in, l1, next, s.channels, n);
  } else {
    addRows(in, z, next, s.channels, n);
  }

  View term = z;
  if (s.head1x1) {
    term = a.h1.view();
    l.head1x1.apply(z, term, n, false);
    if (l.film[kHead1x1Post]) l.film[kHead1x1Post]->apply(term, c, n);
  }
  const View headSum = a.headSum.view();
  if (index > 0) addRows(headSum, term, headSum, s.headTermChannels(), n);
  else copyRows(term, headSum, s.headTermChannels(), n);

  l.input.endBlock(n);
  if (l.film[kConvPre]) l.filmedInput.endBlock(n);
}

void WaveNet::runArray(LayerArray& a, const View& x, const View* previousHead, int n) noexcept {
  a.layers.front().input.beginBlock(n);
  a.rechannel.apply(x, a.layers.front().input.view(), n, false);
  a.headSum.beginBlock(n);
  for (std::size_t i = 0; i < a.layers.size(); ++i) runLayer(a, i, n);
  if (previousHead) {
    // The previous array's head output joins this array's head sum (torch adds it to the
    // first layer's head term).
    const View h = a.headSum.view();
    addRows(h, *previousHead, h, a.spec.headTermChannels(), n);
  }
  a.headRechannel.apply(a.headSum.view(), a.headOut.view(), n, false);
  a.headSum.endBlock(n);
}

View WaveNet::run(const float* in, int n) noexcept {
  // Scratch buffers (history 0) always hold the current block at their start, so views taken
  // at allocation stay valid.
  std::memcpy(input_.view().p, in, sizeof(float) * n);
  if (conditionNet_) conditionNet_->run(in, n);
  View x = input_.view();
  View previousHead;
  bool hasPrevious = false;
  for (LayerArray& a : arrays_) {
    runArray(a, x, hasPrevious ? &previousHead : nullptr, n);
    x = a.output.view();
    previousHead = a.headOut.view();
    hasPrevious = true;
  }
  float scale = headScale_;
  View src = previousHead;
  int rows = arrays_.back().spec.headOut;
  for (HeadBlock& b : head_) {
    b.input.beginBlock(n);
    const View v = b.input.view();
    for (int r = 0; r < rows; ++r)
      for (int t = 0; t < n; ++t) v.row(r)[t] = scale * src.row(r)[t];
    scale = 1.0f;
    spec_.head->activation.apply(v, rows, n);
    b.conv.apply(v, b.output.view(), n, false);
    b.input.endBlock(n);
    src = b.output.view();
    rows = b.conv.outChannels();
  }
  const View out = output_.view();
  for (int r = 0; r < rows; ++r)
    for (int t = 0; t < n; ++t) out.row(r)[t] = scale * src.row(r)[t];
  return out;
}

void WaveNet::process(const float* in, float* out, int n) noexcept {
  const View y = run(in, n);
  std::memcpy(out, y.p, sizeof(float) * n);
}

}  // namespace tonematch::engine
