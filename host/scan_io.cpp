// host/scan_io.cpp - the JSON-lines scan output: resuming writer and reader.
#include "hfx/scan_io.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "hfx/error.hpp"

namespace hfx {

namespace {

std::atomic<long> g_records_written{0};  // per process, for HFX_TEST_KILL_AFTER

// A forked child is a new process: its count starts at 0.
void reset_count_in_child() { g_records_written.store(0); }
std::once_flag g_atfork_once;

std::string errno_text(int e) { return std::strerror(e); }

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

long kill_after_from_env() {
  const char* v = std::getenv("HFX_TEST_KILL_AFTER");
  if (!v || !*v) return 0;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 0) throw error(std::string("HFX_TEST_KILL_AFTER must be a count, got '") + v + "'");
  return n;
}

std::string format_double(double x) { return json(x).dump(); }

// Reads the whole regular file behind fd.
std::string read_all(int fd, const std::string& path) {
  std::string data;
  char buf[1 << 16];
  off_t off = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error("cannot read existing scan output '" + path + "': " + errno_text(errno));
    }
    if (n == 0) break;
    data.append(buf, size_t(n));
    off += n;
  }
  return data;
}

}  // namespace

scan_writer::scan_writer(const std::string& path, scan_writer_options opt)
    : path_(path), opt_(std::move(opt)), kill_after_(kill_after_from_env()) {
  std::call_once(g_atfork_once, [] { ::pthread_atfork(nullptr, nullptr, reset_count_in_child); });
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    int e = errno;
    std::string hint = e == ENOENT ? " (does its directory exist?)" : "";
    throw error("cannot open scan output '" + path + "' for writing: " + errno_text(e) + hint);
  }
  try {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw error("cannot stat scan output '" + path + "': " + errno_text(errno));
    // Devices and pipes (e.g. /dev/stdout) are written to but never read back or truncated.
    if (!S_ISREG(st.st_mode)) return;
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      if (e == EWOULDBLOCK)
        throw error("scan output '" + path + "' is being written by another scan (file is locked)");
      throw error("cannot lock scan output '" + path + "': " + errno_text(e));
    }
    std::string data = read_all(fd_, path);

    // Walk the lines. Every complete valid line is kept; only what follows the last good
    // line may be dropped, and only if it is one damaged line (what a killed run leaves).
    size_t pos = 0, line_no = 0;
    std::string pending;  // the damaged line after the last good one ("" if none)
    long long good_end = 0;
    while (pos < data.size()) {
      ++line_no;
      size_t nl = data.find('\n', pos);
      bool complete = nl != std::string::npos;
      std::string_view text(data.data() + pos, (complete ? nl : data.size()) - pos);
      std::string where = path + ":" + std::to_string(line_no);
      pos = complete ? nl + 1 : data.size();
      if (complete && blank(text)) {  // harmless: kept, or dropped with a damaged tail
        if (pending.empty()) good_end = (long long)pos;
        continue;
      }
      if (!pending.empty())
        throw input_error(path, "", pending + ", and more lines follow it; a killed run leaves at most one "
                                    "damaged line at the end, so hfx will not delete them: fix the file or "
                                    "use another output file");
      if (!complete) {
        pending = "line " + std::to_string(line_no) + " is incomplete (no newline at the end)";
        continue;
      }
      scan_record r;
      try {
        r = record_from_json_line(text, where);
      } catch (const input_error& e) {
        pending = "line " + std::to_string(line_no) + " is not a valid scan record (" +
                  (e.pointer.empty() ? "" : e.pointer + ": ") + e.problem + ")";
        continue;
      }
      if (opt_.expect_mu_test && !(r.mu_test == *opt_.expect_mu_test))
        throw input_error(where, "/mu_test", "record '" + r.patch + "' was made with mu_test " +
                                                 format_double(r.mu_test) + ", this scan uses " +
                                                 format_double(*opt_.expect_mu_test) +
                                                 "; resume with the same settings or use another output file");
      if (opt_.expect_test_stat && r.test_stat != *opt_.expect_test_stat)
        throw input_error(where, "/test_stat", "record '" + r.patch + "' was made with test_stat '" + r.test_stat +
                                                   "', this scan uses '" + *opt_.expect_test_stat +
                                                   "'; resume with the same settings or use another output file");
      if (done_.insert(r.patch).second) ++resumed_;
      good_end = (long long)pos;
    }
    if (good_end < (long long)data.size()) {
      if (::ftruncate(fd_, good_end) != 0)
        throw error("cannot truncate the damaged end of scan output '" + path + "': " + errno_text(errno));
      dropped_bytes_ = data.size() - size_t(good_end);
      dropped_reason_ = pending;
    }
    good_end_ = good_end;
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

scan_writer::~scan_writer() {
  if (fd_ >= 0) ::close(fd_);
}

bool scan_writer::done(const std::string& patch) const {
  std::lock_guard lk(mu_);
  return done_.count(patch) != 0;
}

size_t scan_writer::size() const {
  std::lock_guard lk(mu_);
  return done_.size();
}

std::string scan_writer::recovery_note() const {
  if (!dropped_bytes_) return {};
  return "scan output '" + path_ + "': " + dropped_reason_ + "; removed it (" + std::to_string(dropped_bytes_) +
         " bytes), that hypothesis will be computed again";
}

void scan_writer::write(const scan_record& r) {
  std::string line = to_json_line(r);
  line += '\n';
  std::lock_guard lk(mu_);
  if (fd_ < 0) throw error("scan output '" + path_ + "' is closed");
  if (done_.count(r.patch))
    throw error("scan output '" + path_ + "' already has a record for patch '" + r.patch + "'");
  size_t off = 0;
  while (off < line.size()) {
    // Normally one call writes the whole line; a short write only happens when the device
    // is full or failing, and then the next call reports the error.
    ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      if (off > 0) (void)!::ftruncate(fd_, good_end_);  // remove the partial line
      throw error("cannot write to scan output '" + path_ + "': " + errno_text(e) + " (record for patch '" +
                  r.patch + "' not written)");
    }
    off += size_t(n);
  }
  good_end_ += (long long)line.size();
  if (opt_.fsync && ::fdatasync(fd_) != 0 && errno != EINVAL && errno != EROFS)
    throw error("cannot sync scan output '" + path_ + "': " + errno_text(errno));
  done_.insert(r.patch);
  long written = ++g_records_written;
  if (kill_after_ > 0 && written == kill_after_) ::raise(SIGKILL);  // test hook (see header)
}

void scan_writer::close() {
  std::lock_guard lk(mu_);
  if (fd_ < 0) return;
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw error("cannot close scan output '" + path_ + "': " + errno_text(errno));
}

std::vector<scan_record> read_scan_file(const std::string& path, bool allow_incomplete_tail) {
  std::string data = read_file_maybe_gz(path);
  std::vector<scan_record> out;
  size_t pos = 0, line_no = 0;
  while (pos < data.size()) {
    ++line_no;
    size_t nl = data.find('\n', pos);
    std::string where = path + ":" + std::to_string(line_no);
    if (nl == std::string::npos) {
      if (allow_incomplete_tail) break;
      throw input_error(where, "", "incomplete last line (no newline): the run that wrote it was killed "
                                   "mid-write; resuming the scan into this file repairs it");
    }
    std::string_view text(data.data() + pos, nl - pos);
    if (!blank(text)) out.push_back(record_from_json_line(text, where));
    pos = nl + 1;
  }
  return out;
}

}  // namespace hfx
