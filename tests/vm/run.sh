#!/bin/bash
# Compatibility: the guest test bed's former single entry point.
#   run.sh [test.sh's options]   test.sh
#   run.sh --demo                demo.sh
#   run.sh --bench               bench.sh
here=$(dirname "$0")
case " $* " in
*" --demo "*) exec "$here/demo.sh" ;;
*" --bench "*) exec "$here/bench.sh" ;;
*) exec "$here/test.sh" "$@" ;;
esac
