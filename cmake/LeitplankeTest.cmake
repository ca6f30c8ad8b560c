# lp_add_test(NAME name SOURCES a.cc b.cc LIBS lib... LABELS unit|integration|slow)
# One GoogleTest binary per call; the tests run with the repository root as
# working directory and LP_SOURCE_DIR / LP_EVAL_DIR in the environment.
set(LP_EVAL_DIR "${CMAKE_SOURCE_DIR}/../shared/eval" CACHE PATH "Evaluation data sets (read only)")

function(lp_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  lp_target_defaults(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "LP_SOURCE_DIR=${CMAKE_SOURCE_DIR};LP_EVAL_DIR=${LP_EVAL_DIR}")
endfunction()
