#!/usr/bin/env python3
"""PyTorch peer for `segml bench`: the VGG16 convolution stack (13 conv + ReLU, 4 max-pools, random
weights) and SGEMM 2048^3 on the same machine, 2 threads, NCHW and channels_last, medians of repeats.

Usage: /usr/bin/python3 scripts/bench/pytorch_vgg16.py   (Debian's python3-torch)
"""
import statistics
import time

import torch

torch.set_num_threads(2)
torch.manual_seed(1)

CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]


def vgg16_features():
    layers, channels = [], 3
    for v in CFG:
        if v == "M":
            layers.append(torch.nn.MaxPool2d(2, 2))
        else:
            layers += [torch.nn.Conv2d(channels, v, 3, padding=1), torch.nn.ReLU(inplace=True)]
            channels = v
    return torch.nn.Sequential(*layers).eval()


def median_ms(fn, repeats=9, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), min(times)


def main():
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    med, best = median_ms(lambda: torch.mm(a, b))
    print(f"sgemm 2048^3: median {med:.1f} ms, {2 * 2048**3 / med / 1e6:.1f} GFLOP/s")
    model = vgg16_features()
    for h, w in [(224, 224), (375, 500)]:
        flops = 0
        hh, ww, c = h, w, 3
        for v in CFG:
            if v == "M":
                hh, ww = hh // 2, ww // 2
            else:
                flops += 2 * v * c * 9 * hh * ww
                c = v
        for layout in ["nchw", "channels_last"]:
            x = torch.randn(1, 3, h, w)
            m = model
            if layout == "channels_last":
                x = x.to(memory_format=torch.channels_last)
                m = model.to(memory_format=torch.channels_last)
            with torch.no_grad():
                med, best = median_ms(lambda: m(x))
            print(f"vgg16 {w}x{h} {layout}: median {med:.1f} ms (min {best:.1f}), {flops / med / 1e6:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
