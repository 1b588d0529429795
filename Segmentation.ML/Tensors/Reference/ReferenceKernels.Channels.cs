namespace Segmentation.ML.Tensors.Reference;

internal static partial class ReferenceKernels
{
    public static void Softmax(ReadOnlySpan<float> logits, int channels, int pixels, Span<float> output)
    {
        var values = new double[channels];
        for (int p = 0; p < pixels; p++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < channels; c++) max = Math.Max(max, logits[c * pixels + p]);
            double sum = 0;
            for (int c = 0; c < channels; c++) sum += values[c] = Math.Exp(logits[c * pixels + p] - max);
            for (int c = 0; c < channels; c++) output[c * pixels + p] = (float)(values[c] / sum);
        }
    }

    public static void Argmax(ReadOnlySpan<float> scores, int channels, int pixels, Span<byte> labels)
    {
        for (int p = 0; p < pixels; p++)
        {
            int best = 0;
            for (int c = 1; c < channels; c++)
            {
                float v = scores[c * pixels + p], b = scores[best * pixels + p];
                if (float.IsNaN(b)) break;
                if (float.IsNaN(v) || v > b) best = c;
            }
            labels[p] = (byte)best;
        }
    }
}
