// A job library built against another entry-point version: it has the version constant, but the entry
// point's symbol is not the one this Weir looks up.
extern "C" __attribute__((visibility("default"))) const int weir_job_entry_point_version = 999;
extern "C" __attribute__((visibility("default"))) int weir_job_main_v999(int, char**) {
  return 0;
}
