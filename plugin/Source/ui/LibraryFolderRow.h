// One library folder in Settings (the NAM folder or the IR folder): where it is, Choose… (an
// asynchronous folder chooser) and Bundled (back to the bundled library).
#pragma once

#include <functional>
#include <memory>

#include <juce_gui_basics/juce_gui_basics.h>

namespace tonematch::plugin {

class LibraryFolderRow : public juce::Component {
 public:
  /// `title` names the row ("NAM folder"), `what` the files in it for the chooser's title.
  LibraryFolderRow(const juce::String& title, const juce::String& what);
  /// The chosen folder; juce::File() = the bundled library.
  juce::File folder() const { return folder_; }
  void setFolder(const juce::File& folder);
  void resized() override;

 private:
  void choose();

  juce::String what_;
  juce::File folder_;
  juce::Label title_, path_;
  juce::TextButton choose_{juce::String::fromUTF8("Choose\xE2\x80\xA6")}, clear_{"Bundled"};
  std::unique_ptr<juce::FileChooser> chooser_;
};

}  // namespace tonematch::plugin
