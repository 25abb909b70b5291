# MA_SANITIZE=address,undefined or MA_SANITIZE=thread instruments every target.
if(MA_SANITIZE)
  add_compile_options(-fsanitize=${MA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MA_SANITIZE})
  if(MA_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns that TSan does not model the atomic_thread_fence inside Asio's
    # scheduler; Asio's own locking is what the tests exercise.
    add_compile_options(-Wno-tsan)
  endif()
endif()
