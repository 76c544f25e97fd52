// hfx/scan_progress.hpp - what a long scan shows and how it stops: a progress meter on
// stderr and SIGINT/SIGTERM handling that lets the driver finish the current batch.
#pragma once
#include <csignal>
#include <cstddef>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

namespace hfx {

// Progress of a scan, one line at most once per second (and a final line by finish()):
//   "scan: 120/217 (55.3%), 2 failed, 12.4 hyp/s, ETA 0:00:08"
//   "scan: 217/217 (100.0%), 2 failed, 12.4 hyp/s, done in 0:00:17"
// `done` counts the records already in the output when the run started (resume) plus
// those added since; the rate and the ETA use only the hypotheses of this run. The
// "failed" part only appears when some failed. Disabled (prints nothing) when `out` is
// null: the CLI passes &std::cerr when stderr is a TTY or --progress is given.
// With `overwrite` (a terminal) lines are redrawn in place with '\r' and cleared to the end
// of the line; otherwise each line ends with '\n' (log files). Thread-safe.
class progress_meter {
 public:
  using clock_fn = std::function<double()>;  // seconds on a monotonic clock
  static double steady_seconds();
  static constexpr double min_interval_s = 1.0;  // at most one line per second

  progress_meter(size_t total, size_t already_done, std::ostream* out, bool overwrite = false,
                 clock_fn clock = steady_seconds, std::string label = "scan");
  void add(size_t n = 1, size_t failed = 0);  // n hypotheses finished, `failed` of them with error
  void finish();                              // prints the final line once (if enabled)
  std::string line() const;                   // the current status text (no '\r' / '\n')
  bool enabled() const { return out_ != nullptr; }
  size_t done() const;

 private:
  std::string line_locked(double now, bool final) const;
  void print_locked(double now, bool final);
  size_t total_, start_done_, done_, failed_ = 0;
  std::ostream* out_;
  bool overwrite_;
  clock_fn clock_;
  std::string label_;
  double t0_, last_print_;
  bool finished_ = false;
  mutable std::mutex mu_;
};

// Formats seconds as H:MM:SS (used by the meter; exposed for messages).
std::string format_hms(double seconds);

// Catches SIGINT and SIGTERM while alive: the handler only sets an atomic flag (async-
// signal-safe) and, if `announce`, writes one fixed line to stderr; the scan loop polls
// interrupted() between batches, flushes and exits with exit_code. A second signal while
// the flag is set restores the default action and re-raises it, so pressing Ctrl-C twice
// aborts at once (the output file stays valid: records are single writes).
// The destructor restores the previous handlers. Handlers are process-wide: instances may
// nest (LIFO), and the flag is shared; it is cleared when the outermost instance is made.
class scan_interrupt {
 public:
  static constexpr int exit_code = 130;  // shell convention for "terminated by SIGINT" (128 + 2)

  explicit scan_interrupt(bool announce = true);
  ~scan_interrupt();
  scan_interrupt(const scan_interrupt&) = delete;
  scan_interrupt& operator=(const scan_interrupt&) = delete;

  bool interrupted() const;
  int signal_number() const;  // SIGINT or SIGTERM once interrupted, else 0
  // "interrupted by SIGINT after 120 of 217 hypotheses; 120 records are in out.jsonl,
  //  rerun the same command to resume"
  std::string message(size_t written, size_t total, const std::string& out_path) const;

 private:
  struct sigaction old_int_{}, old_term_{};
};

}  // namespace hfx
