#include "ui/LibraryFolderRow.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

LibraryFolderRow::LibraryFolderRow(const juce::String& title, const juce::String& what) : what_(what) {
  title_.setText(title, juce::dontSendNotification);
  path_.setMinimumHorizontalScale(1.0f);
  path_.setColour(juce::Label::outlineColourId, theme::track);
  choose_.setTooltip("Choose a folder of " + what_ + "; MATCH TONE! searches it instead of the bundled library");
  choose_.onClick = [this] { choose(); };
  clear_.setTooltip("Use the bundled library again");
  clear_.onClick = [this] { setFolder({}); };
  for (juce::Component* c : {static_cast<juce::Component*>(&title_), static_cast<juce::Component*>(&path_),
                             static_cast<juce::Component*>(&choose_), static_cast<juce::Component*>(&clear_)})
    addAndMakeVisible(*c);
  setFolder({});
}

void LibraryFolderRow::setFolder(const juce::File& folder) {
  folder_ = folder;
  const bool bundled = folder_ == juce::File();
  // A folder that vanished (an unplugged drive) stays chosen but says so.
  const bool missing = !bundled && !folder_.isDirectory();
  path_.setText(bundled ? juce::String("bundled library")
                        : folder_.getFullPathName() + (missing ? " (not found)" : ""),
                juce::dontSendNotification);
  path_.setColour(juce::Label::textColourId, bundled ? theme::dimText : missing ? theme::warning : theme::text);
  path_.setTooltip(bundled ? juce::String() : folder_.getFullPathName());
  clear_.setEnabled(!bundled);
}

void LibraryFolderRow::choose() {
  const auto start = folder_.isDirectory() ? folder_ : juce::File::getSpecialLocation(juce::File::userHomeDirectory);
  chooser_ = std::make_unique<juce::FileChooser>("Choose the folder of " + what_, start);
  juce::Component::SafePointer<LibraryFolderRow> self(this);
  chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectDirectories,
                        [self](const juce::FileChooser& fc) {
                          // The dialog may have been closed while the chooser was open.
                          if (self == nullptr) return;
                          if (const auto dir = fc.getResult(); dir.isDirectory()) self->setFolder(dir);
                        });
}

void LibraryFolderRow::resized() {
  auto r = getLocalBounds();
  title_.setBounds(r.removeFromLeft(140));
  clear_.setBounds(r.removeFromRight(70));
  r.removeFromRight(4);
  choose_.setBounds(r.removeFromRight(80));
  r.removeFromRight(6);
  path_.setBounds(r);
}

}  // namespace tonematch::plugin
