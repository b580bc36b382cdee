// One equipment slot (FX, AMP or IR): what is loaded, a button to pick a file, a clear button.
#pragma once

#include <functional>
#include <memory>

#include <juce_gui_basics/juce_gui_basics.h>

#include "loading/RigLoader.h"

namespace tonematch::plugin {

class SlotComponent : public juce::Component {
 public:
  /// filePattern: e.g. "*.nam" or "*.wav;*.aif;*.aiff;*.flac".
  SlotComponent(const juce::String& title, const juce::String& filePattern);

  std::function<void(const juce::File&)> onFileChosen;
  std::function<void()> onClear;

  void setStatus(const SlotStatus& status);
  void setBrowseFolder(const juce::File& folder) { browseFolder_ = folder; }

  void paint(juce::Graphics&) override;
  void resized() override;

 private:
  void browse();

  juce::String title_, pattern_;
  juce::Label name_, detail_;
  juce::TextButton load_{juce::String::fromUTF8("Load\xE2\x80\xA6")}, clear_{juce::String::fromUTF8("\xC3\x97")};
  std::unique_ptr<juce::FileChooser> chooser_;
  juce::File browseFolder_;
};

}  // namespace tonematch::plugin
