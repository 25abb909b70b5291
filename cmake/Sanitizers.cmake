# MA_SANITIZE=address,undefined or MA_SANITIZE=thread instruments every target.
if(MA_SANITIZE)
  add_compile_options(-fsanitize=${MA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MA_SANITIZE})
endif()
