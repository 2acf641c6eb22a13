# Helpers that give every walcast target the same flags and register tests/benchmarks in one line.

# Warnings are errors on our code only (third-party headers come in as SYSTEM includes).
function(walcast_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 at -O3 reports impossible overlaps inside std::string concatenation (GCC bug
    # 105329, fixed in 13); the warning stays on for other compilers.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  target_compile_features(${target} PUBLIC cxx_std_20)
  # Includes name their layer from the repository root ("decoder/lsn.h", "api/stream/event_hub.h");
  # tests/lint/layering checks that no layer includes one above it.
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# walcast_test(<name> SOURCES a_test.cc ... LIBS lib ... [LABELS l ...] [CLUSTER])
# Builds one GoogleTest binary and registers it with CTest. CLUSTER runs it under
# tests/harness/with_cluster, which starts a throwaway PostgreSQL 15 and always tears it down.
function(walcast_test name)
  if(NOT WALCAST_BUILD_TESTS)
    return()  # unit tests are declared beside the code; without tests nothing is built
  endif()
  cmake_parse_arguments(T "CLUSTER" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  walcast_flags(${name})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock)
  if(T_CLUSTER)
    add_test(NAME ${name}
             COMMAND ${PROJECT_SOURCE_DIR}/tests/harness/with_cluster $<TARGET_FILE:${name}>)
    list(APPEND T_LABELS integration)
  else()
    add_test(NAME ${name} COMMAND ${name})
    list(APPEND T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "WALCAST_SOURCE_DIR=${PROJECT_SOURCE_DIR};WALCAST_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# walcast_bench(<name> SOURCES a_bench.cc ... LIBS lib ...): a Google Benchmark binary (not a test).
function(walcast_bench name)
  if(NOT WALCAST_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${B_SOURCES})
  walcast_flags(${name})
  target_link_libraries(${name} PRIVATE ${B_LIBS} benchmark::benchmark_main)
endfunction()
