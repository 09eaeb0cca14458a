#!/bin/sh
echo "failing with ${1:-3}" >&2
exit "${1:-3}"
