"""Task modules: pure pre- and post-processing per task, plus a thin callable object each."""
