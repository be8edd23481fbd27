// `clientele customers import FILE`: the ImportCustomers client stream.
// The file is read twice: once to check every line (so that a bad line
// stops the import before anything is sent), once to send it; memory stays
// small however large the file is.
#include <chrono>
#include <cstdio>

#include "client/customer_input.h"
#include "client/remote_commands.h"
#include "client/table.h"
#include "clientele/v1/customers.grpc.pb.h"
#include "common/strings.h"

namespace clientele::client {
namespace {

// At most this many unreadable lines are listed; the rest are counted.
constexpr int64_t kMaxListedLineErrors = 50;

// A progress line on stderr, rewritten in place at most every 200 ms.
class Progress {
 public:
  Progress(bool enabled, std::ostream& err) : enabled_(enabled), err_(err) {}

  void Start(std::string phase) {
    phase_ = std::move(phase);
    start_ = std::chrono::steady_clock::now();
    last_ = {};
  }
  // `total` 0: unknown.
  void Update(int64_t done, int64_t total, bool force = false) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const int64_t rate = seconds > 0 ? static_cast<int64_t>(done / seconds) : 0;
    err_ << "\r" << phase_ << ": " << done;
    if (total > 0) err_ << " of " << total;
    err_ << " customers (" << rate << "/s)   " << std::flush;
    shown_ = true;
  }
  // Ends the progress line (if one was shown).
  void Finish() {
    if (shown_) err_ << "\n";
    shown_ = false;
  }

 private:
  bool enabled_;
  std::ostream& err_;
  std::string phase_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

absl::StatusOr<std::unique_ptr<CustomerFileReader>> OpenFile(const CustomerImportOptions& options) {
  absl::StatusOr<ImportFormat> format = ImportFormatFor(options.file, options.format);
  if (!format.ok()) return format.status();
  return CustomerFileReader::Open(options.file, *format);
}

// The first pass: every record parsed, every failure printed as FILE:LINE.
// Returns the number of customers, or -1 when a line cannot be read.
int64_t CheckFile(CustomerFileReader& reader, const std::string& file, Progress& progress,
                  std::ostream& err) {
  progress.Start(StrCat("checking ", file));
  int64_t customers = 0, bad = 0;
  CustomerFileReader::Record record;
  while (reader.Next(&record)) {
    progress.Update(customers + bad, 0);
    if (record.customer.ok()) {
      ++customers;
      continue;
    }
    if (bad++ == 0) progress.Finish();
    if (bad <= kMaxListedLineErrors) {
      err << file << ":" << record.line << ": error: " << View(record.customer.status().message())
          << "\n";
    }
  }
  progress.Update(customers + bad, 0, true);
  progress.Finish();
  if (bad == 0) return customers;
  if (bad > kMaxListedLineErrors) err << "... and " << bad - kMaxListedLineErrors << " more\n";
  err << "error: " << bad << (bad == 1 ? " line" : " lines") << " of " << file
      << " cannot be read; nothing was sent\n";
  return -1;
}

// The second pass: the customers in messages of kImportBatchSize, the key
// and options in the first. Fills *lines (the line of each customer sent).
grpc::Status SendFile(const CustomerImportOptions& options, const std::string& key,
                      int64_t total, CustomerFileReader& reader, Progress& progress,
                      std::vector<int64_t>* lines, v1::ImportCustomersResponse* response) {
  v1::Customers::Stub stub(Connect(options.remote));
  grpc::ClientContext context;
  SetDeadline(options.remote, kStreamTimeoutSeconds, &context);
  std::unique_ptr<grpc::ClientWriter<v1::ImportCustomersRequest>> writer =
      stub.ImportCustomers(&context, response);
  progress.Start(StrCat("sending ", options.file));
  v1::ImportCustomersRequest message;
  message.set_idempotency_key(key);
  message.set_skip_invalid(options.skip_invalid);
  bool sent_any = false, open = true;
  auto send = [&] {
    open = writer->Write(message);  // false: the server ended the stream (see Finish)
    sent_any = true;
    message.Clear();
    progress.Update(static_cast<int64_t>(lines->size()), total);
  };
  CustomerFileReader::Record record;
  while (open && reader.Next(&record)) {
    if (!record.customer.ok()) continue;  // CheckFile saw none; the file changed since
    *message.add_customers() = std::move(*record.customer);
    lines->push_back(record.line);
    if (message.customers_size() == kImportBatchSize) send();
  }
  if (open && (message.customers_size() > 0 || !sent_any)) send();
  if (open) writer->WritesDone();
  progress.Update(static_cast<int64_t>(lines->size()), total, true);
  progress.Finish();
  return writer->Finish();
}

std::string RenderSummary(const v1::ImportCustomersResponse& r, const std::string& file,
                          const std::vector<int64_t>& lines) {
  std::string out = StrCat("imported ", file, ": ", r.received(), " received, ", r.created(),
                           " created, ", r.updated(), " updated, ", r.rejected_count(),
                           " rejected\n");
  if (r.rejected().empty()) return out;
  Table table({{"#", Table::Align::kRight}, {"LINE"}, {"ID"}, {"PROBLEM"}});
  for (const v1::ImportError& e : r.rejected()) {
    const bool known = e.index() >= 0 && static_cast<size_t>(e.index()) < lines.size();
    table.AddRow({StrCat(e.index()), known ? StrCat(file, ":", lines[e.index()]) : "?",
                  e.customer_id(), e.message()});
  }
  out += table.Render("  ");
  if (r.rejected_count() > r.rejected_size()) {
    StrAppend(&out, "  ... and ", r.rejected_count() - r.rejected_size(), " more\n");
  }
  return out;
}

}  // namespace

int RunCustomerImport(const CustomerImportOptions& options, std::ostream& out,
                      std::ostream& err) {
  Progress progress(options.progress, err);
  int64_t total = -1;
  {
    absl::StatusOr<std::unique_ptr<CustomerFileReader>> reader = OpenFile(options);
    if (!reader.ok()) {
      err << "error: " << View(reader.status().message()) << "\n";
      return kExitBadInput;
    }
    total = CheckFile(**reader, options.file, progress, err);
  }
  if (total < 0) return kExitBadInput;
  absl::StatusOr<std::unique_ptr<CustomerFileReader>> reader = OpenFile(options);
  if (!reader.ok()) {
    err << "error: " << View(reader.status().message()) << "\n";
    return kExitBadInput;
  }
  const IdempotencyKey key = ResolveKey(options.key);
  std::vector<int64_t> lines;
  v1::ImportCustomersResponse response;
  const grpc::Status status =
      SendFile(options, key.key, total, **reader, progress, &lines, &response);
  return PrintWriteResult(status, response, key, options.remote, out, err,
                          [&](const v1::ImportCustomersResponse& r) {
                            return RenderSummary(r, options.file, lines);
                          });
}

}  // namespace clientele::client
