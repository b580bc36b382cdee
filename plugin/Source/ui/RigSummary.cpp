#include "ui/RigSummary.h"

#include "ui/Theme.h"

namespace tonematch::plugin {

namespace {
const juce::String kArrow = juce::String::fromUTF8(" \xE2\x86\x92 ");
const juce::String kEllipsis = juce::String::fromUTF8("\xE2\x80\xA6");
const juce::String kTitle = "LAST RIG FOUND";
juce::Font titleFont() { return juce::Font(11.0f, juce::Font::bold); }
juce::Font lossFont() { return juce::Font(13.0f); }
// "a → b → c" → {a, b, c}; StringArray's tokenisers split on characters, not on the arrow.
juce::StringArray splitStages(const juce::String& rig) {
  juce::StringArray stages;
  auto rest = rig;
  for (int at = rest.indexOf(kArrow); at >= 0; at = rest.indexOf(kArrow)) {
    stages.add(rest.substring(0, at).trim());
    rest = rest.substring(at + kArrow.length());
  }
  stages.add(rest.trim());
  stages.removeEmptyStrings();
  return stages;
}
}  // namespace

juce::String elideToWidth(const juce::String& text, const juce::Font& font, float width) {
  if (font.getStringWidthFloat(text) <= width) return text;
  // Binary search on the kept prefix: names can be long and this runs on every layout.
  int lo = 0, hi = text.length();
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (font.getStringWidthFloat(text.substring(0, mid).trimEnd() + kEllipsis) <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo == 0 ? juce::String() : text.substring(0, lo).trimEnd() + kEllipsis;
}

RigSummary::RigSummary() { setInterceptsMouseClicks(true, false); }

void RigSummary::setRigText(const juce::String& text) {
  const auto newline = text.indexOfChar('\n');
  auto rig = newline < 0 ? text : text.substring(0, newline);
  auto loss = newline < 0 ? juce::String() : text.substring(newline + 1).trim();
  if (rig == rig_ && loss == loss_) return;
  rig_ = rig;
  loss_ = loss;
  setTooltip(rig_.isEmpty() ? juce::String() : rig_ + (loss_.isEmpty() ? "" : " (" + loss_ + ")"));
  repaint();
}

std::vector<RigSummary::Line> RigSummary::layoutLines() const {
  std::vector<Line> lines;
  auto area = getLocalBounds();
  auto titleRow = area.removeFromTop(kTitleHeight);
  if (loss_.isNotEmpty()) {
    titleRow.removeFromLeft(juce::roundToInt(titleFont().getStringWidthFloat(kTitle)) + 10);
    const auto shown = elideToWidth(loss_, lossFont(), static_cast<float>(titleRow.getWidth()));
    lines.push_back({shown, titleRow, shown != loss_, true});
  }
  area.removeFromTop(2);
  const auto width = static_cast<float>(area.getWidth());
  if (rig_.isEmpty()) {
    if (area.getHeight() >= 13) lines.push_back({"none yet", area.removeFromTop(juce::jmin(17, area.getHeight())), false, false});
    return lines;
  }
  if (area.getHeight() < 13) return lines;  // no room for a name: the tooltip still has the rig

  // A line per stage when each gets at least 15 px; otherwise as many lines as fit, the stages
  // shared out over them and each stage elided within its share of the line.
  const auto stages = splitStages(rig_);
  const int n = juce::jmax(1, stages.size());
  int count = n;
  if (area.getHeight() / n < 15) count = juce::jlimit(1, n, area.getHeight() / 15);
  const int lineHeight = juce::jmin(17, area.getHeight() / count);
  const juce::Font font(static_cast<float>(lineHeight - 2));
  for (int line = 0; line < count; ++line) {
    const int first = line * n / count, last = (line + 1) * n / count;
    const float share = (width - font.getStringWidthFloat(" ") * static_cast<float>(last - first - 1)) /
                        static_cast<float>(last - first);
    juce::String text, shown;
    for (int i = first; i < last; ++i) {
      // Every stage after the first starts with the arrow so the chain still reads in order.
      const auto piece = (i == 0 ? juce::String() : kArrow.trimStart()) + stages[i];
      const auto sep = juce::String(i == first ? "" : " ");
      text << sep << piece;
      // A pixel of slack per piece: joined text measures a little differently from its parts.
      shown << sep << elideToWidth(piece, font, share - 1.0f);
    }
    lines.push_back({shown, area.removeFromTop(lineHeight), shown != text, false});
  }
  return lines;
}

void RigSummary::paint(juce::Graphics& g) {
  g.setColour(theme::dimText);
  g.setFont(titleFont());
  g.drawText(kTitle, getLocalBounds().removeFromTop(kTitleHeight), juce::Justification::centredLeft, false);
  for (const auto& line : layoutLines()) {
    g.setColour(rig_.isEmpty() ? theme::dimText : line.isLoss ? theme::accent : theme::text);
    g.setFont(line.isLoss ? lossFont() : juce::Font(static_cast<float>(line.bounds.getHeight() - 2)));
    g.drawText(line.text, line.bounds, line.isLoss ? juce::Justification::centredRight
                                                   : juce::Justification::centredLeft, false);
  }
}

}  // namespace tonematch::plugin
