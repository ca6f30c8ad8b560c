# lp_add_test(NAME name SOURCES a.cc b.cc LIBS lib... LABELS unit|integration|slow)
# One GoogleTest binary per call; the tests run with the repository root as
# working directory and LP_SOURCE_DIR / LP_EVAL_DIR in the environment.
if(DEFINED ENV{LP_EVAL_DIR})
  set(lp_eval_default "$ENV{LP_EVAL_DIR}")
else()
  set(lp_eval_default "${CMAKE_SOURCE_DIR}/../shared/eval")
endif()
set(LP_EVAL_DIR "${lp_eval_default}" CACHE PATH "Evaluation data sets (read only)")

# Quality gates that read the evaluation data sets. Without the data they are
# reported as "Not Run" instead of failing.
set(LP_EVAL_TESTS offensive_quality_test pii_eval_test secrets_eval_test)
if(NOT EXISTS "${LP_EVAL_DIR}/germeval2018")
  message(WARNING "Evaluation data not found in ${LP_EVAL_DIR}: the quality-gate tests "
                  "(${LP_EVAL_TESTS}) are not run. Set LP_EVAL_DIR to enable them.")
endif()

function(lp_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  lp_target_defaults(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "LP_SOURCE_DIR=${CMAKE_SOURCE_DIR};LP_EVAL_DIR=${LP_EVAL_DIR}")
  if(T_NAME IN_LIST LP_EVAL_TESTS AND NOT EXISTS "${LP_EVAL_DIR}/germeval2018")
    set_tests_properties(${T_NAME} PROPERTIES DISABLED TRUE)
  endif()
endfunction()
