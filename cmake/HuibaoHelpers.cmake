# huibao_test(NAME SOURCES...): a unit test linked with the core library,
# registered as ctest "unit.NAME" with a timeout.
function(huibao_test name)
  add_executable(test_${name} ${ARGN})
  target_link_libraries(test_${name} PRIVATE huibao_core huibao_warnings huibao_sanitize)
  target_include_directories(test_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  add_test(NAME unit.${name} COMMAND test_${name})
  set_tests_properties(unit.${name} PROPERTIES TIMEOUT 60
    ENVIRONMENT "HUIBAO_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data")
endfunction()

# huibao_program(NAME SOURCES...): one of the shipped programs.
function(huibao_program name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE huibao_core huibao_warnings huibao_sanitize)
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()
