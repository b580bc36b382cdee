// Hostile output from the matcher child process: MATCH TONE! runs a fake interpreter (a real
// shell script found through TONEMATCH_PYTHON, as a user would point the plugin at a Python)
// that answers the "import tonematch" check and then misbehaves: garbage, enormous or partial
// lines, NaN and backwards progress, no or invalid rig files, hanging, dying by a signal, binary
// junk and floods on stderr. A failure must end with one readable message and change nothing; the
// progress bar must stay within 0…1 and never move back; no child may outlive the match.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "bad_input_support.h"
#include "bridge/MatchController.h"
#include "match_test_support.h"
#include "test_support.h"

using namespace tonematch::plugin;

namespace badinput {

namespace {

enum class Want { Fails, Succeeds, Cancelled };

// A descriptor number this program holds open (without close-on-exec) while the cases run.
constexpr int kInheritedFd = 250;

struct MatcherCase {
  std::string name;
  juce::String body;  ///< after the shared head (see below)
  Want want;
  std::string expected;  ///< in the final message (Succeeds: in the status line, if set)
  int timeoutMs = 20000;
  bool cancelAfterStart = false;
  double maxSeconds = kCaseSeconds;
};

// The "-c import tonematch" check passes; $out is the rig path; one progress line first.
const juce::String kHead =
    "[ \"$1\" = \"-c\" ] && exit 0\n"
    "while [ $# -gt 0 ]; do [ \"$1\" = \"--out\" ] && out=\"$2\"; shift; done\n"
    "echo '{\"stage\": \"grid\", \"done\": 3, \"total\": 10, \"message\": \"\"}'\n";

juce::String goodRig() { return "cp '" + work().getChildFile("good_rig.json").getFullPathName() + "' \"$out\"\n"; }
const juce::String kDone = "echo '{\"stage\": \"done\"}'\n";

juce::String rigText(const std::string& json) {
  return "cat > \"$out\" <<'EOF'\n" + juce::String(json) + "\nEOF\n" + kDone;
}

std::vector<MatcherCase> cases() {
  const auto fifoAmp = work().getChildFile("child_amp.nam").getFullPathName();
  juce::String oddNumbers;
  for (const char* numbers : {"NaN, \"total\": 10", "1e999, \"total\": 10", "-5, \"total\": 10", "50, \"total\": 10",
                              "3, \"total\": 0", "3, \"total\": -1", "99999999999999999999, \"total\": 1",
                              "9223372036854775807, \"total\": 2", "2147483648, \"total\": 4294967296",
                              "\"3\", \"total\": [10]", "1.5, \"total\": 2.5", "-1e308, \"total\": 1e-308"})
    oddNumbers += "echo '{\"stage\": \"grid\", \"done\": " + juce::String(numbers) + "}'\n";
  return {
      {"2000 garbage lines, exit 0", "i=0; while [ $i -lt 2000 ]; do echo \"garbage {{{ $i\"; i=$((i+1)); done\nexit 0\n", Want::Fails, "stopped before it finished (exit code 0)"},
      {"garbage around a good rig", "echo garbage\necho '{not json'\necho '{\"stage\": 5}'\necho '[1, 2]'\necho '\"done\"'\n" + goodRig() + kDone, Want::Succeeds, ""},
      {"a 20 MB line, exit 1", "head -c 20000000 /dev/zero | tr '\\0' x\necho\nexit 1\n", Want::Fails, "exit code 1"},
      {"a 20 MB line before a good rig", "head -c 20000000 /dev/zero | tr '\\0' x\necho\n" + goodRig() + kDone, Want::Succeeds, ""},
      {"a partial progress line at exit", "printf '{\"stage\": \"gr'\nexit 0\n", Want::Fails, "stopped before it finished"},
      {"done without a newline at exit", goodRig() + "printf '{\"stage\": \"done\"}'\n", Want::Succeeds, ""},
      {"NaN and odd numbers in progress", oddNumbers + "sleep 0.4\n" + goodRig() + kDone, Want::Succeeds, ""},
      {"progress going backwards", "echo '{\"stage\": \"post_fx\", \"done\": 9, \"total\": 10}'\nsleep 0.3\n"
                                   "echo '{\"stage\": \"load\", \"done\": 0, \"total\": 1}'\nsleep 0.3\n"
                                   "echo '{\"stage\": \"index\", \"done\": 0, \"total\": 5}'\nsleep 0.3\n" + goodRig() + kDone,
       Want::Succeeds, ""},
      {"stages that are not stages", "echo '{\"stage\": \"\\u0000\"}'\necho '{\"stage\": \"\\ud83c\\udfb8 solo\"}'\n"
                                     "printf '{\"stage\": \"%0100000d\", \"done\": 1, \"total\": 2}\\n' 0\nsleep 0.3\n" + goodRig() + kDone,
       Want::Succeeds, ""},
      {"an error line whose message is a number", "echo '{\"stage\": \"error\", \"message\": 5}'\nexit 1\n", Want::Fails, "exit code 1"},
      {"an error line, then exit 0 with a rig", "echo '{\"stage\": \"error\", \"message\": \"no amp fits\"}'\n" + goodRig() + kDone, Want::Fails, "no amp fits"},
      {"done, then exit code 3", goodRig() + kDone + "exit 3\n", Want::Fails, "exit code 3"},
      {"done, no rig file", kDone, Want::Fails, "wrote no rig JSON"},
      {"an empty rig file", ": > \"$out\"\n" + kDone, Want::Fails, "rig.json"},
      {"a rig with NaN", rigText(R"({"rig": {}, "params": {"input_gain_db": NaN}})"), Want::Fails, "rig.json"},
      {"a rig with 1e400", rigText(R"({"rig": {}, "params": {"reverb_wet": 1e400}})"), Want::Fails, "rig.json"},
      {"a rig nested 100 000 deep", "head -c 100000 /dev/zero | tr '\\0' '[' > \"$out\"\n" + kDone, Want::Fails, "rig.json"},
      {"a rig of binary junk", "head -c 5000 /dev/urandom > \"$out\"\n" + kDone, Want::Fails, "rig.json"},
      {"a 20 MB rig", "{ printf '{\"rig\": {}, \"pad\": \"'; head -c 20000000 /dev/zero | tr '\\0' x; printf '\"}'; } > \"$out\"\n" + kDone,
       Want::Fails, "too large"},
      {"the rig path is a folder", "mkdir \"$out\"\n" + kDone, Want::Fails, "wrote no rig JSON"},
      {"the rig path is a FIFO", "mkfifo \"$out\"\n" + kDone, Want::Fails, "rig.json"},
      {"the rig path links to /dev/zero", "ln -s /dev/zero \"$out\"\n" + kDone, Want::Fails, "rig.json"},
      {"a rig whose amp is a FIFO", "rm -f '" + fifoAmp + "'; mkfifo '" + fifoAmp + "'\n" +
                                        rigText("{\"rig\": {\"amp_nam_path\": \"" + fifoAmp.toStdString() + "\"}, \"params\": {}}"),
       Want::Succeeds, "child_amp.nam"},
      {"hangs after printing", "exec sleep 60\n", Want::Fails, "did not finish within", 1500},
      {"hangs, then Cancel", "exec sleep 60\n", Want::Cancelled, "cancelled", 20000, true},
      {"closes its output and keeps running", "exec >/dev/null 2>&1\nexec sleep 60\n", Want::Fails, "did not finish within", 1500},
      // A process the child leaves behind keeps the pipe open for 20 s: not waited for.
      {"leaves a process holding its output", "sleep 20 &\n" + goodRig() + kDone, Want::Succeeds, "", 20000, false, 5.0},
      {"killed by SIGKILL", "kill -KILL $$\n", Want::Fails, "stopped before it finished (killed by SIGKILL)"},
      {"killed by SIGSEGV", "kill -SEGV $$\n", Want::Fails, "stopped before it finished (killed by SIGSEGV)"},
      // The host's open files stay the host's (kInheritedFd is open in this program, not
      // close-on-exec), and the child reads nothing from the host's stdin.
      {"the child inherits no open files", "[ -e /proc/$$/fd/" + juce::String(kInheritedFd) + " ] && { echo 'error: inherited fd' >&2; exit 1; }\n"
                                           "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || { echo 'error: stdin is not /dev/null' >&2; exit 1; }\n" +
                                               goodRig() + kDone,
       Want::Succeeds, ""},
      {"binary junk on stderr", "head -c 200000 /dev/urandom >&2\nexit 1\n", Want::Fails, "exit code 1"},
      {"30 MB on stderr", "yes 'warning: something odd happened here' | head -c 30000000 >&2\nexit 1\n", Want::Fails, "exit code 1"},
      {"an error: line with junk bytes", "printf 'error: bad \\377\\376 bytes\\n' >&2\nexit 2\n", Want::Fails, "bytes"},
  };
}

}  // namespace

void matcherOutputCorpus() {
  auto p = makeProcessor();
  {
    RigSpec good;
    good.amp = {"amp_brown_g9", tmtest::asset("nam_models/amp_brown_g9.nam")};
    good.ir = {"cab_1x12_open_cap", tmtest::asset("impulse_responses/cab_1x12_open_cap.wav")};
    good.loss = 0.2;
    work().getChildFile("good_rig.json").replaceWithText(serialiseRig(good));
  }
  const int heldOpen = ::open("/dev/null", O_RDONLY);
  TM_CHECK(heldOpen >= 0 && ::dup2(heldOpen, kInheritedFd) == kInheritedFd);
  const auto reference = juce::File(tmtest::asset("examples/ref_library_rig.wav"));
  const auto referencePrint = fingerprint(reference);
  int i = 0;
  for (const auto& c : cases()) {
    auto script = tmtest::writeScript(work(), "fake_python_" + juce::String(i++), kHead + c.body);
    setenv("TONEMATCH_PYTHON", script.getFullPathName().toRawUTF8(), 1);
    p->matcher().setOverrides({juce::StringArray{}, c.timeoutMs});
    const auto before = snapshot(*p);
    const auto t0 = juce::Time::getMillisecondCounterHiRes();
    TM_CHECK(tmtest::onMessageThread([&p, &reference] { return p->matcher().startMatch(reference); }));
    std::set<int> children;
    double last = 0.0;
    bool progressOk = true, cancelled = false;
    MatchStatus s;
    // Watch it like the editor does (30 times a second): the bar stays in 0…1 and never goes back.
    while ((s = tmtest::onMessageThread([&p] { return p->matcher().status(); })).running) {
      const double elapsed = (juce::Time::getMillisecondCounterHiRes() - t0) / 1000.0;
      if (elapsed > kCaseSeconds + 5.0) break;
      for (int pid : tmtest::childProcesses()) children.insert(pid);
      progressOk = progressOk && std::isfinite(s.fraction) && s.fraction >= last && s.fraction <= 1.0 &&
                   validUtf8(s.stage) && s.stage.size() < 300;
      last = s.fraction;
      if (c.cancelAfterStart && !cancelled && elapsed > 1.0 && !children.empty()) {
        tmtest::onMessageThread([&p] { p->matcher().cancel(); return 0; });
        cancelled = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(33));
    }
    const double seconds = (juce::Time::getMillisecondCounterHiRes() - t0) / 1000.0;
    std::printf("  matcher output | %s | %.2f s: %.300s\n", c.name.c_str(), seconds,
                (c.want == Want::Succeeds && !c.expected.empty() ? p->statusLine() : s.message).c_str());
    bool ok = !s.running && seconds < c.maxSeconds && progressOk && validUtf8(s.message) &&
              s.message.size() < 2000 && fingerprint(reference) == referencePrint;
    for (int pid : children) ok = ok && !tmtest::processExists(pid);
    if (c.want == Want::Succeeds) {
      ok = ok && !s.messageIsError && contains(s.message, "Matched in") && p->matchedRigs().size() >= 1;
      TM_CHECK(p->waitUntilLoaded(30000));
      if (!c.expected.empty()) ok = ok && contains(p->statusLine(), c.expected);
    } else {
      ok = ok && contains(s.message, c.expected) && s.messageIsError == (c.want == Want::Fails) &&
           snapshot(*p) == before;
    }
    ok = ok && audioFlows(*p);
    if (!ok) std::fprintf(stderr, "matcher output case failed: %s (%.300s)\n", c.name.c_str(), s.message.c_str());
    TM_CHECK(ok);
    ++counts()["matcher output"];
    if (c.want == Want::Succeeds) restoreKnownRig(*p);
  }
  ::close(kInheritedFd);
  ::close(heldOpen);
  destroy(std::move(p));
}

}  // namespace badinput
