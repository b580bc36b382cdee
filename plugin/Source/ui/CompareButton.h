// The Compare button in the top bar: one click steps MATCHED → RIG → BYPASS → MATCHED. Its text
// and colour say what is playing, so a comparison is never left on by mistake.
#pragma once

#include <functional>

#include <juce_gui_basics/juce_gui_basics.h>

#include "compare/CompareMonitor.h"

namespace tonematch::plugin {

class CompareButton : public juce::TextButton {
 public:
  CompareButton();
  /// Shows this mode (no callback).
  void show(CompareMode mode);
  CompareMode shown() const noexcept { return shown_; }
  /// Called with the next mode when clicked; the owner sets it on the processor.
  std::function<void(CompareMode)> onModeChosen;

 private:
  CompareMode shown_ = CompareMode::Matched;
};

}  // namespace tonematch::plugin
