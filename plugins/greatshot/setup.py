"""The compiled bit reader, built with the machine's C compiler at install.

``optional=True``: where no compiler is found the install goes on and the
pure-Python reader (identical results, slower) is used.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("slomix_greatshot.demo._fastdemo", ["slomix_greatshot/demo/_fastdemo.c"],
                             extra_compile_args=["-O2"], optional=True)])
