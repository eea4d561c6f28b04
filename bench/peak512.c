// Peak FP32 FMA throughput probe with AVX-512: shared/anchors/peak.c widened to 16-lane FMAs (12 chains per thread).
// gcc -O2 -mavx512f -mfma -pthread bench/peak512.c -o /tmp/peak512 && /tmp/peak512 1 && /tmp/peak512 2
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#include <pthread.h>
#include <stdlib.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static long ITER=200000000L/4;
static void* run(void*out){
  __m512 a[12]; __m512 b=_mm512_set1_ps(0.999999f), c=_mm512_set1_ps(1e-7f);
  for(int i=0;i<12;i++) a[i]=_mm512_set1_ps((float)i);
  for(long it=0;it<ITER;it++){
    #pragma GCC unroll 12
    for(int i=0;i<12;i++) a[i]=_mm512_fmadd_ps(a[i],b,c);
  }
  __m512 s=a[0]; for(int i=1;i<12;i++) s=_mm512_add_ps(s,a[i]);
  float f[16]; _mm512_storeu_ps(f,s); *(float*)out=f[0]; return 0;
}
int main(int argc,char**argv){
  int T=argc>1?atoi(argv[1]):1; pthread_t th[64]; float o[64];
  double t0=now();
  for(int i=0;i<T;i++) pthread_create(&th[i],0,run,&o[i]);
  for(int i=0;i<T;i++) pthread_join(th[i],0);
  double dt=now()-t0;
  double flops=(double)T*ITER*12*16*2;
  printf("threads=%d %.1f GFLOP/s (%.3g)\n",T,flops/dt/1e9,o[0]);
}
