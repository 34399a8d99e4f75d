// A job library of the right entry-point version built against another Weir build (other headers,
// compiler or flags): its build id is not the loading Weir's.
extern "C" __attribute__((visibility("default"))) const int weir_job_entry_point_version = 1;
extern "C" __attribute__((visibility("default"))) const char weir_job_build_id[] = "0123456789abcdef0123";
extern "C" __attribute__((visibility("default"))) int weir_job_main_v1(int, char**) {
  return 0;
}
