// hfx/scan_io.hpp - the streaming side of a scan: the JSON-lines output file with resume
// (scan_writer), reading it back (read_scan_file). Including this header also brings the
// record type, the progress meter, the interrupt handler and patch selection.
//
// Driver sketch (what `hfx scan` does):
//
//   scan_writer out(path, {.fsync = false, .expect_mu_test = mu, .expect_test_stat = ts});
//   if (out.dropped_bytes()) warn(out.recovery_note());
//   std::vector<size_t> todo;
//   for (size_t i : select_patches(names, selection)) if (!out.done(names[i])) todo.push_back(i);
//   scan_interrupt stop;                                   // SIGINT/SIGTERM -> flag
//   progress_meter meter(todo.size() + out.size(), out.size(), show ? &std::cerr : nullptr);
//   for (batch of todo) {
//     if (stop.interrupted()) break;
//     ... fit the batch ...; for each result: out.write(record); meter.add(1, failed);
//   }
//   meter.finish();
//   if (stop.interrupted()) { std::cerr << stop.message(...); return scan_interrupt::exit_code; }
#pragma once
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "hfx/patch_select.hpp"
#include "hfx/scan_progress.hpp"
#include "hfx/scan_record.hpp"

namespace hfx {

struct scan_writer_options {
  bool fsync = false;  // fdatasync after every record (survives power loss, costs a disk flush)
  // When set, every record already in the file must have this mu_test / test_stat: resuming
  // into a file made with other settings would mix results, so it is an error.
  std::optional<double> expect_mu_test;
  std::optional<std::string> expect_test_stat;
};

// Appends records to a JSON-lines file, one line per hypothesis, and resumes a killed run.
//
// Opening: the file is created if missing (its directory must exist). Existing content is
// read: every complete, valid line is kept and its patch counts as done. If the last line
// is incomplete (no '\n': the run was killed mid-write or the disk filled) or is not a
// valid record, the file is truncated back to the end of the last good line
// (dropped_bytes() > 0). An invalid line that is followed by good lines is not something a
// kill leaves: it is an input_error naming the line (hfx never deletes it silently). The
// file is locked (flock) so two scans cannot append to the same file.
//
// Writing: each record is one write(2) of the whole line including '\n' on an O_APPEND
// descriptor, so a killed process leaves either the whole line or a prefix without '\n'
// that the next open removes. Failed writes (ENOSPC, EIO, ...) truncate the partial line
// away and raise hfx::error. write() and done() are thread-safe.
//
// Test hook: with HFX_TEST_KILL_AFTER=N in the environment, the process raises SIGKILL
// right after its Nth record (counted over all writers of the process) is written.
class scan_writer {
 public:
  explicit scan_writer(const std::string& path, scan_writer_options opt = {});
  ~scan_writer();
  scan_writer(const scan_writer&) = delete;
  scan_writer& operator=(const scan_writer&) = delete;

  bool done(const std::string& patch) const;  // a record for this patch is in the file
  size_t size() const;                        // number of distinct patches in the file
  size_t resumed() const { return resumed_; } // patches already in the file when opened
  // Appends one record. Throws hfx::error if the patch already has a record in the file
  // (a scan writes each patch once) or the write fails.
  void write(const scan_record& r);
  // Closes the file, reporting errors (the destructor closes silently).
  void close();

  const std::string& path() const { return path_; }
  size_t dropped_bytes() const { return dropped_bytes_; }
  // "" when nothing was dropped, else one line for the user about the truncated tail.
  std::string recovery_note() const;

 private:
  std::string path_;
  scan_writer_options opt_;
  int fd_ = -1;
  long long good_end_ = 0;  // file size up to the last complete record
  size_t resumed_ = 0, dropped_bytes_ = 0;
  std::string dropped_reason_;
  std::unordered_set<std::string> done_;
  mutable std::mutex mu_;
  long kill_after_ = 0;     // HFX_TEST_KILL_AFTER (0: off)
};

// Reads every record of a JSON-lines scan file (plain or gzip). Any invalid line is an
// input_error naming the file and the line, except an incomplete last line (no '\n') when
// `allow_incomplete_tail` is set: it is skipped, as a resuming writer would.
std::vector<scan_record> read_scan_file(const std::string& path, bool allow_incomplete_tail = false);

}  // namespace hfx
