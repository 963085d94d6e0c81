# A file build step run by /bin/bash (arrays are bash's own).
words=(from a file step)
echo "${words[*]}" > /etc/kiln-test/from-file
