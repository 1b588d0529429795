using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Tests.Models.Checkpoints;

/// <summary>The real MobileNetV2 weights in shared/weights (see shared/data/README.md), as a .pth and as safetensors.</summary>
public class SharedWeightsTests
{
    private const string Pth = "mobilenet_v2-imagenet.pth";
    private const string Safetensors = "mobilenet_v2-imagenet.safetensors";

    [SharedWeightsFact(Pth, Safetensors)]
    public void ThePthAndSafetensorsHoldBitIdenticalTensors()
    {
        var pth = Checkpoint.Load(SharedWeights.PathOf(Pth)!);
        var safetensors = Checkpoint.Load(SharedWeights.PathOf(Safetensors)!);

        Assert.Equal(CheckpointFormat.PyTorchZip, pth.Format);
        Assert.Equal(CheckpointFormat.Safetensors, safetensors.Format);
        // The safetensors file was written without BatchNorm's num_batches_tracked counters; the .pth keeps them.
        var counters = pth.Keys.Where(StateDict.IsBatchNormCounter).ToList();
        Assert.Equal(52, counters.Count);
        Assert.Equal(pth.Keys.Except(counters).Order(StringComparer.Ordinal), safetensors.Keys.Order(StringComparer.Ordinal));
        foreach (var tensor in safetensors.Tensors)
        {
            var other = pth[tensor.Name];
            Assert.Equal(CheckpointDType.F32, other.DType);
            Assert.Equal(tensor.Shape, other.Shape);
            Assert.True(tensor.ToBytes().AsSpan().SequenceEqual(other.ToBytes()), $"{tensor.Name} differs between the files.");
        }
        foreach (string counter in counters)
        {
            Assert.Equal(CheckpointDType.I64, pth[counter].DType);
            Assert.Empty(pth[counter].Shape);
            Assert.Equal([0L], pth[counter].ToInt64());
        }
    }

    [SharedWeightsFact(Pth, Safetensors)]
    public void BothFilesAreRecognisedAsMobilenetV2AndFitEachOther()
    {
        var pth = Checkpoint.Load(SharedWeights.PathOf(Pth)!);
        var safetensors = Checkpoint.Load(SharedWeights.PathOf(Safetensors)!);

        Assert.Equal("mobilenet_v2", Checkpoint.DetectArchitecture(pth));
        Assert.Equal("mobilenet_v2", Checkpoint.DetectArchitecture(safetensors));
        var expected = safetensors.ToDictionary(p => p.Key, p => p.Value.Shape);
        Assert.False(pth.Check(expected).IsMatch);
        Assert.True(pth.Check(expected, StateDict.IsBatchNormCounter).IsMatch);
        Assert.Equal([1000, 1280], pth["classifier.1.weight"].Shape);
    }

    [SharedWeightsFact(Pth, Safetensors)]
    public void Sha256MatchesTheFilesDigests()
    {
        // Digests as sha256sum prints them. shared/data/README.md abbreviates the safetensors digest as 6a3b73c0…e0da,
        // but the file's digest ends in e1da; its tensors are bit-identical to the .pth's (see above), whose digest
        // matches the README's 9cbf85fd…5ec0.
        Assert.Equal("6a3b73c06a23bcc21fe50c67beccc1366f372d1e49cf1ce5827d386dd4a0e1da", Checkpoint.ComputeSha256(SharedWeights.PathOf(Safetensors)!));
        Assert.Equal("9cbf85fd6417bf237d545db25832833b1cc26d4d118e43f1dec2d77272fc5ec0", Checkpoint.ComputeSha256(SharedWeights.PathOf(Pth)!));
    }
}
