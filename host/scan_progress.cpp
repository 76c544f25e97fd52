// host/scan_progress.cpp - progress meter and SIGINT/SIGTERM handling for scans.
#include "hfx/scan_progress.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "hfx/error.hpp"

namespace hfx {

// ---- progress meter ----------------------------------------------------------------------

double progress_meter::steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string format_hms(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--:--";
  long long s = std::llround(seconds);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

progress_meter::progress_meter(size_t total, size_t already_done, std::ostream* out, bool overwrite,
                               clock_fn clock, std::string label)
    : total_(total), start_done_(already_done), done_(already_done), out_(out), overwrite_(overwrite),
      clock_(std::move(clock)), label_(std::move(label)) {
  t0_ = last_print_ = clock_();
}

size_t progress_meter::done() const {
  std::lock_guard lk(mu_);
  return done_;
}

std::string progress_meter::line_locked(double now, bool final) const {
  char buf[160];
  double pct = total_ ? 100.0 * double(done_) / double(total_) : 100.0;
  std::string s = label_ + ": " + std::to_string(done_) + "/" + std::to_string(total_);
  std::snprintf(buf, sizeof buf, " (%.1f%%)", pct);
  s += buf;
  if (failed_) s += ", " + std::to_string(failed_) + " failed";
  double elapsed = now - t0_;
  size_t ran = done_ - start_done_;
  double rate = elapsed > 0 ? double(ran) / elapsed : 0.0;
  if (ran > 0 && elapsed > 0) {
    // Fewer decimals as the rate grows: 3 significant digits for typical rates.
    const char* fmt = rate >= 100 ? ", %.0f hyp/s" : rate >= 10 ? ", %.1f hyp/s" : ", %.2f hyp/s";
    std::snprintf(buf, sizeof buf, fmt, rate);
    s += buf;
  }
  if (final) {
    s += ", done in " + format_hms(elapsed);
  } else {
    size_t left = total_ > done_ ? total_ - done_ : 0;
    s += ", ETA " + (rate > 0 ? format_hms(double(left) / rate) : format_hms(-1));
  }
  return s;
}

std::string progress_meter::line() const {
  std::lock_guard lk(mu_);
  return line_locked(clock_(), finished_);
}

void progress_meter::print_locked(double now, bool final) {
  std::string s = line_locked(now, final);
  if (overwrite_) {
    *out_ << '\r' << s << "\x1b[K";  // ANSI erase to end of line: a shorter line leaves no tail
    if (final) *out_ << '\n';
  } else {
    *out_ << s << '\n';
  }
  out_->flush();
  last_print_ = now;
}

void progress_meter::add(size_t n, size_t failed) {
  std::lock_guard lk(mu_);
  done_ += n;
  failed_ += failed;
  if (!out_ || finished_) return;
  double now = clock_();
  if (now - last_print_ >= min_interval_s) print_locked(now, false);
}

void progress_meter::finish() {
  std::lock_guard lk(mu_);
  if (finished_) return;
  finished_ = true;
  if (out_) print_locked(clock_(), true);
}

// ---- SIGINT / SIGTERM ----------------------------------------------------------------------

namespace {

std::atomic<int> g_signal{0};       // the first signal received (0: none)
std::atomic<bool> g_announce{true};
std::atomic<int> g_depth{0};        // live scan_interrupt instances
static_assert(std::atomic<int>::is_always_lock_free, "signal handler needs a lock-free atomic");
static_assert(std::atomic<bool>::is_always_lock_free, "signal handler needs a lock-free atomic");

extern "C" void hfx_scan_signal_handler(int sig) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, sig)) {
    if (g_announce.load()) {
      static const char msg[] =
          "\nhfx: interrupt received: finishing the current batch (signal again to abort now)\n";
      ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);  // async-signal-safe
      (void)ignored;
    }
    return;
  }
  // Second signal: default action now (terminates the process).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
}

void install(int sig, struct sigaction* old) {
  struct sigaction sa {};
  sa.sa_handler = hfx_scan_signal_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // system calls (file writes) resume instead of failing with EINTR
  if (::sigaction(sig, &sa, old) != 0)
    throw error(std::string("cannot install signal handler: ") + std::strerror(errno));
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace

scan_interrupt::scan_interrupt(bool announce) {
  if (g_depth.fetch_add(1) == 0) g_signal.store(0);
  g_announce.store(announce);
  try {
    install(SIGINT, &old_int_);
    install(SIGTERM, &old_term_);
  } catch (...) {
    ::sigaction(SIGINT, &old_int_, nullptr);
    g_depth.fetch_sub(1);
    throw;
  }
}

scan_interrupt::~scan_interrupt() {
  ::sigaction(SIGTERM, &old_term_, nullptr);
  ::sigaction(SIGINT, &old_int_, nullptr);
  g_depth.fetch_sub(1);
}

bool scan_interrupt::interrupted() const { return g_signal.load() != 0; }
int scan_interrupt::signal_number() const { return g_signal.load(); }

std::string scan_interrupt::message(size_t written, size_t total, const std::string& out_path) const {
  return std::string("interrupted by ") + signal_name(signal_number()) + " after " + std::to_string(written) +
         " of " + std::to_string(total) + " hypotheses; the records so far are in " + out_path +
         ", rerun the same command to resume";
}

}  // namespace hfx
