using Segmentation.ML.Hypercolumns;

namespace Segmentation.ML.Tests.Hypercolumns;

/// <summary>Training stops at the first NaN or infinite loss or weight, saying where and what to try, and keeps nothing.</summary>
public class TrainingDivergenceTests
{
    private static HypercolumnHead Train(LabelledHypercolumns data, HypercolumnTrainerOptions options) =>
        new HypercolumnTraining(options, _ => { }, CancellationToken.None).Train(data, null, seed: 3);

    private static HypercolumnTrainerOptions Small => new() { HiddenSizes = [4], SparseEpochs = 2, DenseEpochs = 1, BatchSize = 8 };

    [Fact]
    public void ASaneTinyProblemTrainsWithoutComplaint()
    {
        var head = Train(InMemoryHypercolumns.Default(), Small);

        Assert.All(head.Weights, w => Assert.All(w, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void AnAbsurdStageALearningRateStopsStageANamingTheEpochAndTheSetting()
    {
        var error = Assert.Throws<TrainingDivergedException>(() => Train(InMemoryHypercolumns.Default(), Small with { LearningRate = 1e30f }));

        Assert.Equal("A", error.Stage);
        Assert.Equal(1, error.Epoch);
        Assert.StartsWith("Stage A diverged in epoch 1: ", error.Message);
        Assert.Contains("Lower the learning rate (LearningRate, segml train --learning-rate, is 1E+30)", error.Message);
        Assert.Contains("nothing was saved", error.Message);
        Assert.IsAssignableFrom<InvalidOperationException>(error);
    }

    [Fact]
    public void AnAbsurdStageBLearningRateStopsBeforeItsCheckpointIsWritten()
    {
        string checkpoint = Path.Combine(Path.GetTempPath(), $"segml-diverged-{Guid.NewGuid():N}.safetensors");
        try
        {
            var error = Assert.Throws<TrainingDivergedException>(() =>
                Train(InMemoryHypercolumns.Default(), Small with { DenseLearningRate = 1e30f, CheckpointPath = checkpoint }));

            Assert.Equal("B", error.Stage);
            Assert.Contains("DenseLearningRate, segml train --dense-learning-rate, is 1E+30", error.Message);
            Assert.False(File.Exists(checkpoint), "A checkpoint of diverged weights was written.");
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    [Fact]
    public void NaNFeaturesStopStageAAtItsFirstBatch()
    {
        var error = Assert.Throws<TrainingDivergedException>(() => Train(InMemoryHypercolumns.Default(poisonWithNaN: true), Small));

        Assert.Equal("A", error.Stage);
        Assert.Contains("the loss of a batch is NaN", error.Message);
        Assert.Contains("check the inputs for NaN or infinite values", error.Message);
    }
}
