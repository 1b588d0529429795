using System.Diagnostics;
using System.Runtime.Intrinsics;
using Segmentation.ML.Tensors;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tests.Tensors;

/// <summary>
/// The dispatch follows the process environment, and the whole kernel suite passes again in child
/// processes started with AVX-512 off, with all hardware intrinsics off, and with the reference twins selected.
/// </summary>
public class KernelPathSelectionTests
{
    private const string ChildMarker = "SEGML_KERNEL_CHILD";

    [Fact]
    [Trait("Category", "Kernels")]
    public void DetectedLevelFollowsTheRuntimeSwitches()
    {
        bool intrinsicsOff = Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0";
        bool avx512Off = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0";
        if (intrinsicsOff) Assert.Equal(SimdLevel.Scalar, Simd.Detected);
        else if (avx512Off) Assert.NotEqual(SimdLevel.Vector512, Simd.Detected);
        Assert.Equal(Vector512.IsHardwareAccelerated, Simd.Detected == SimdLevel.Vector512);
    }

    [Fact]
    [Trait("Category", "Kernels")]
    public void ReferenceSelectionFollowsTheEnvironment()
    {
        bool selected = Environment.GetEnvironmentVariable(TensorKernels.SelectionVariable) == "reference";
        Assert.Equal(selected, TensorKernels.UseReference);

        // With K = 1000 the blocked float32 sum and the float64 reference differ in some element unless the reference ran.
        const int m = 4, n = 40, k = 1000;
        var a = KernelAssert.Random(m * k, 71);
        var b = KernelAssert.Random(k * n, 72);
        var reference = new float[m * n];
        ReferenceKernels.Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, reference, n);
        var result = new float[m * n];
        Gemm.Multiply(m, n, k, a, b, result);
        Assert.Equal(selected, reference.AsSpan().SequenceEqual(result));
    }

    public static TheoryData<string> ChildEnvironments() => new()
    {
        "DOTNET_EnableAVX512F=0;DOTNET_EnableAVX512=0",
        "DOTNET_EnableHWIntrinsic=0",
        "SEGML_KERNELS=reference",
    };

    [Theory]
    [MemberData(nameof(ChildEnvironments))]
    public async Task KernelSuitePassesInChildProcess(string environment)
    {
        if (Environment.GetEnvironmentVariable(ChildMarker) is not null) return;
        string assembly = typeof(KernelPathSelectionTests).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "test", assembly, "--filter", "Category=Kernels", "--nologo" }) start.ArgumentList.Add(argument);
        start.Environment[ChildMarker] = "1";
        foreach (var pair in environment.Split(';'))
        {
            var parts = pair.Split('=');
            start.Environment[parts[0]] = parts[1];
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The kernel suite under {environment} did not finish within 8 minutes.");
        }
        string log = await output + await error;
        Assert.True(process.ExitCode == 0, $"The kernel suite failed under {environment}:\n{log}");
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+[1-9]\d*", log);
    }
}
