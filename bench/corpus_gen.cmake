# lp_corpus_gen: the benchmark corpus generator (bench/corpus_gen.h). Included
# from bench/CMakeLists.txt and from tests/unit/CMakeLists.txt, whichever comes
# first, so its unit test builds even when LP_BUILD_BENCH is OFF.
if(NOT TARGET lp_corpus_gen)
  add_library(lp_corpus_gen STATIC ${CMAKE_SOURCE_DIR}/bench/corpus_gen.cc)
  lp_target_defaults(lp_corpus_gen)
  target_include_directories(lp_corpus_gen PUBLIC ${CMAKE_SOURCE_DIR}/bench)
endif()
