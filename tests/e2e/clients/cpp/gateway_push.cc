// A job that pushes with Debian's prometheus-cpp Gateway, the way C++ users do:
//   gateway_push HOST PORT push|pushadd|delete
// Push is PUT, PushAdd POST, Delete DELETE. The counter family holds enough series that
// the body is well over 1 KiB (libcurl's threshold for Expect: 100-continue on some
// versions). Prints the HTTP status; exits 1 unless it is 2xx.
#include <iostream>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gateway.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: gateway_push HOST PORT push|pushadd|delete\n";
    return 2;
  }
  const std::string mode = argv[3];
  prometheus::Gateway gateway(argv[1], argv[2], "cppjob", {{"stage", "dev"}});
  auto registry = std::make_shared<prometheus::Registry>();
  auto& jobs = prometheus::BuildCounter()
                   .Name("cpp_jobs_total")
                   .Help("Jobs done, per queue.")
                   .Register(*registry);
  for (int i = 0; i < 40; ++i) {
    jobs.Add({{"queue", "queue-with-a-long-descriptive-name-" + std::to_string(i)}}).Increment(i);
  }
  auto& latency = prometheus::BuildHistogram()
                      .Name("cpp_latency_seconds")
                      .Help("Latency.")
                      .Register(*registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 1});
  for (const double v : {0.05, 0.5, 2.0}) latency.Observe(v);
  gateway.RegisterCollectable(registry);

  int status = 0;
  if (mode == "push") {
    status = gateway.Push();
  } else if (mode == "pushadd") {
    status = gateway.PushAdd();
  } else if (mode == "delete") {
    status = gateway.Delete();
  } else {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  std::cout << status << "\n";
  return status >= 200 && status < 300 ? 0 : 1;
}
