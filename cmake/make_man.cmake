# The man page posecast.1.gz from `posecast --help` (help2man), with the --help of the commands a
# device owner uses appended. Run by cmake/package.cmake: -DPOSECAST= -DHELP2MAN= -DOUTPUT=.
get_filename_component(dir ${OUTPUT} DIRECTORY)
set(include ${dir}/posecast-man.include)
file(WRITE ${include} "[FILES]\n"
  "/etc/posecast/posecast.toml, ~/.config/posecast/posecast.toml: the config file "
  "(posecast config show prints the settings in effect).\n"
  ".br\n/lib/systemd/system/posecast.service: the service.\n")
foreach(command run class config cameras setup)
  execute_process(COMMAND ${POSECAST} ${command} --help OUTPUT_VARIABLE text)
  string(REPLACE "${POSECAST}" "posecast" text "${text}")  # CLI11 prints the path it was run as
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REGEX REPLACE "\n\\." "\n\\\\&." text "${text}")
  string(TOUPPER ${command} title)
  file(APPEND ${include} "[POSECAST ${title}]\n.nf\n${text}.fi\n")
endforeach()
set(page ${dir}/posecast.1)
execute_process(
  COMMAND ${HELP2MAN} --no-info --section=1 --name=live\ exercise-pose\ coach
          --include=${include} --output=${page} ${POSECAST}
  RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "help2man failed on ${POSECAST}")
endif()
execute_process(COMMAND gzip -9nf ${page} RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "gzip ${page} failed")
endif()
