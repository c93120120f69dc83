"""A worker's entry point (`python -S -m runtime_bootstrap <handler>`): the function's code is
named at AWS's paths, then awslambdaric runs as `python -m awslambdaric` would.

On AWS a function's code lives at /var/task and the runtime at /var/runtime, so every traceback
(the error document's stackTrace, the "[ERROR]" log event, one the handler formats itself)
names "/var/task/lambda_function.py". In bubblewrap (isolation.py) the code is mounted there and
this module does nothing more. Without bubblewrap the code runs from the sandbox's scratch
folder, a path on the user's machine: here the code compiled from LAMBDA_TASK_ROOT and
LAMBDA_RUNTIME_DIR gets the file names it would have on AWS, through a path hook for those two
folders whose loader renames the code objects' co_filename. The names are given where the code
is compiled, in the process that runs the handler: the sandbox never rewrites what a worker
sends it, so a handler cannot have it rewrite any other text.

Only co_filename changes. __file__, the module's spec, the working directory and
LAMBDA_TASK_ROOT keep the real folder, so code reading its own files (next to __file__, under
LAMBDA_TASK_ROOT) finds them as on AWS. A traceback's source lines, whose renamed file does not
exist here, come from the loader (linecache's lazy lookup through the module's globals).

It runs inside the worker on the standard library alone (no site-packages: python -S), from the
runtime directory (filesystem.py links it there).
"""
import os
import runpy
import sys
from collections.abc import Callable, Mapping
from importlib.machinery import (BYTECODE_SUFFIXES, EXTENSION_SUFFIXES, SOURCE_SUFFIXES,
                                 ExtensionFileLoader, FileFinder, SourceFileLoader,
                                 SourcelessFileLoader)
from types import CodeType

# Where AWS keeps a function's code and its runtime; isolation.py mounts them there.
AWS_TASK_ROOT = "/var/task"
AWS_RUNTIME_DIR = "/var/runtime"
RUNTIME_MODULE = "awslambdaric"


def aws_folders(environment: Mapping[str, str]) -> dict[str, str]:
    """Each folder the worker's code is read from that AWS names otherwise → AWS's name; empty
    in bubblewrap, where the folders are AWS's already."""
    folders: dict[str, str] = {}
    for variable, aws_name in (("LAMBDA_TASK_ROOT", AWS_TASK_ROOT),
                               ("LAMBDA_RUNTIME_DIR", AWS_RUNTIME_DIR)):
        real = environment.get(variable)
        if not real:
            continue
        # The working directory (sys.path[0] under -m) is the task root with links resolved.
        for spelling in (os.path.normpath(real), os.path.realpath(real)):
            if spelling != aws_name:
                folders[spelling] = aws_name
    return folders


def aws_name(path: str, folders: Mapping[str, str]) -> str | None:
    """`path` as AWS names it, or None if it lies in none of `folders`."""
    for real, aws_folder in folders.items():
        if path == real or path.startswith(real + os.sep):
            return aws_folder + path[len(real):]
    return None


def renamed(code: CodeType, filename: str) -> CodeType:
    """`code` and the code nested in it (functions, classes, comprehensions) from `filename`."""
    constants = tuple(renamed(constant, filename) if isinstance(constant, CodeType) else constant
                      for constant in code.co_consts)
    return code.replace(co_filename=filename, co_consts=constants)


class AwsNamedLoader(SourceFileLoader):
    """A source file's loader whose code names the file at its AWS path."""

    def __init__(self, fullname: str, path: str, folders: Mapping[str, str]) -> None:
        super().__init__(fullname, path)
        self.folders = folders

    def _aws_path(self, path: str) -> str:
        return aws_name(path, self.folders) or path

    def source_to_code(self, data: bytes, path: str, *,  # type: ignore[override]
                       _optimize: int = -1) -> CodeType:
        """Compiled under the AWS name, so a SyntaxError names it too."""
        return super().source_to_code(data, self._aws_path(path), _optimize=_optimize)

    def get_code(self, fullname: str) -> CodeType | None:
        """The module's code, renamed also when it comes from a cached .pyc (whose loading
        names the real file again)."""
        code = super().get_code(fullname)
        return renamed(code, self._aws_path(self.get_filename(fullname))) if code else code


def path_hook(folders: Mapping[str, str]) -> Callable[[str], FileFinder]:
    """A sys.path_hooks entry finding modules in `folders` (and below) with AwsNamedLoader;
    any other path is left to the next hook."""
    def source_loader(fullname: str, path: str) -> AwsNamedLoader:
        return AwsNamedLoader(fullname, path, folders)

    # The default finder's loaders, in its order, the source loader replaced.
    loaders = ((ExtensionFileLoader, EXTENSION_SUFFIXES), (source_loader, SOURCE_SUFFIXES),
               (SourcelessFileLoader, BYTECODE_SUFFIXES))

    def hook(path: str) -> FileFinder:
        if aws_name(os.path.abspath(path or os.getcwd()), folders) is None:
            raise ImportError("not a folder AWS names otherwise", path=path)
        return FileFinder(path, *loaders)  # type: ignore[arg-type]

    return hook


def name_code_as_on_aws(environment: Mapping[str, str]) -> None:
    """Have code imported from now on name its files at AWS's paths."""
    folders = aws_folders(environment)
    if not folders:
        return
    sys.path_hooks.insert(0, path_hook(folders))
    # Finders made for the task root while this module was found must be made again.
    sys.path_importer_cache.clear()


if __name__ == "__main__":
    name_code_as_on_aws(os.environ)
    runpy.run_module(RUNTIME_MODULE, run_name="__main__", alter_sys=True)
