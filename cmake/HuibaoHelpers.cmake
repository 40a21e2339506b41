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

# huibao_program(NAME SOURCES...): one of the shipped programs, linked with
# ${HUIBAO_PROGRAM_CORE} (default huibao_core; the agent's folder sets
# huibao_agent_core, the part of the core it needs).
function(huibao_program name)
  if(NOT HUIBAO_PROGRAM_CORE)
    set(HUIBAO_PROGRAM_CORE huibao_core)
  endif()
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE ${HUIBAO_PROGRAM_CORE} huibao_warnings huibao_sanitize)
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

# huibao_program_folder(PROGRAM LIBNAME): builds every .c of the current
# folder except main.c into the static library LIBNAME, and PROGRAM from
# main.c linked with it. Unit tests in tests/unit/<folder>/ link LIBNAME.
function(huibao_program_folder program libname)
  if(NOT HUIBAO_PROGRAM_CORE)
    set(HUIBAO_PROGRAM_CORE huibao_core)
  endif()
  file(GLOB _src CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  list(REMOVE_ITEM _src ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
  if(_src)
    add_library(${libname} STATIC ${_src})
  else()
    add_library(${libname} INTERFACE)
  endif()
  if(_src)
    target_include_directories(${libname} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${libname} PUBLIC ${HUIBAO_PROGRAM_CORE}
                          PRIVATE huibao_warnings huibao_sanitize)
  else()
    target_link_libraries(${libname} INTERFACE ${HUIBAO_PROGRAM_CORE})
  endif()
  huibao_program(${program} ${CMAKE_CURRENT_SOURCE_DIR}/main.c)
  target_link_libraries(${program} PRIVATE ${libname})
endfunction()
