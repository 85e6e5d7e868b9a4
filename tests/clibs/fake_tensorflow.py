"""A stand-in `tensorflow` package for the probe and doctor tests (copied to tmp as tensorflow/__init__.py).

TensorFlow is too big to install for tests; this has the few APIs the probes call (version,
build info, devices, ops) and logs to fd 2 the way TF's C++ code does.
FAKE_TF_GPU=1 makes it "see" a GPU, on which conv2d then fails like a cuDNN mismatch.
"""
import contextlib
import os

__version__ = "2.15.0"
os.write(2, b"2024-01-01 00:00:00.000000: I tensorflow/core/util/port.cc:113] fake TF starting\n")

class sysconfig:
    @staticmethod
    def get_build_info():
        return {"cuda_version": "12.2", "cudnn_version": "8", "is_cuda_build": True,
                "cuda_compute_capabilities": ["sm_50", "compute_90"]}

class test:
    @staticmethod
    def is_built_with_cuda():
        return True

class _Device:
    def __init__(self, name):
        self.name = name

class config:
    class experimental:
        @staticmethod
        def set_memory_growth(device, enable):
            os.write(2, f"growth={enable}\n".encode())

    @staticmethod
    def list_physical_devices(kind):
        if os.environ.get("FAKE_TF_GPU"):
            return [_Device("/physical_device:GPU:0")]
        os.write(2, b"W tensorflow/core/common_runtime/gpu/gpu_device.cc:2211] Cannot dlopen some GPU "
                    b"libraries. Skipping registering GPU devices...\n")
        return []

def device(name):
    return contextlib.nullcontext()

class random:
    @staticmethod
    def normal(shape):
        return shape

class nn:
    @staticmethod
    def conv2d(x, k, strides, padding):
        os.write(2, b"E tensorflow/stream_executor/cuda/cuda_dnn.cc:362] Loaded runtime CuDNN library: 8.0.5 "
                    b"but source was compiled with: 8.1.0.\n")
        raise RuntimeError("Failed to get convolution algorithm. This is probably because cuDNN failed to initialize")
