// A shared library without a Weir job entry point (no WEIR_JOB_MAIN): the loader must refuse it.
extern "C" int not_a_job(int argc, char**) {
  return argc;
}
